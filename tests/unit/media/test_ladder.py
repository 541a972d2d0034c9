"""plan_ladder() and build_command(): which renditions, at which sizes, with which settings."""
from __future__ import annotations

import pytest

from app.media.probe import ProbeResult
from app.media.transcode import build_command, output_frame_rate, plan_ladder, poster_time


def video(display_width, display_height, *, width=None, height=None, rotation=0, channels=2, frame_rate=25.0,
          duration=60.0, has_audio=True):
    return ProbeResult(kind="video", duration=duration, container="mov,mp4,m4a,3gp,3g2,mj2", has_audio=has_audio,
                       audio_codec="aac" if has_audio else None, audio_channels=channels if has_audio else 0,
                       video_codec="h264", width=width or display_width, height=height or display_height,
                       display_width=display_width, display_height=display_height, rotation=rotation,
                       frame_rate=frame_rate, video_stream_index=0, audio_stream_index=1 if has_audio else None)


def sizes(plan):
    return [(r.label, r.width, r.height) for r in plan]


def test_full_hd_gets_the_whole_ladder():
    assert sizes(plan_ladder(video(1920, 1080))) == [("240p", 426, 240), ("360p", 640, 360), ("720p", 1280, 720)]


def test_never_upscales():
    assert sizes(plan_ladder(video(480, 360))) == [("240p", 320, 240), ("360p", 480, 360)]
    assert sizes(plan_ladder(video(854, 480))) == [("240p", 428, 240), ("360p", 640, 360)]


def test_a_source_smaller_than_240p_gets_one_rendition_at_its_own_even_size():
    assert sizes(plan_ladder(video(177, 145))) == [("144p", 176, 144)]


def test_a_source_just_under_a_rung_keeps_that_rung_at_its_own_size():
    plan = plan_ladder(video(1280, 714))
    assert sizes(plan)[-1] == ("720p", 1280, 714)


def test_rotated_phone_video_comes_out_portrait():
    plan = plan_ladder(video(1080, 1920, width=1920, height=1080, rotation=90))
    assert sizes(plan) == [("240p", 240, 426), ("360p", 360, 640), ("720p", 720, 1280)]


@pytest.mark.parametrize("display", [(1920, 1080), (853, 479), (1024, 576), (1080, 1920), (640, 480),
                                     (4096, 2160), (3001, 1001), (177, 145), (250, 4000)])
def test_even_sizes_and_display_aspect_kept_within_one_percent(display):
    source_aspect = display[0] / display[1]
    for rendition in plan_ladder(video(*display)):
        assert rendition.width % 2 == 0 and rendition.height % 2 == 0
        assert rendition.width <= display[0] and rendition.height <= display[1]
        assert rendition.width / rendition.height == pytest.approx(source_aspect, rel=0.01)


def test_240p_fits_a_512_kbit_link():
    low = plan_ladder(video(1920, 1080))[0]
    assert low.maxrate_kbps + low.audio_kbps < 512 * 0.85
    assert low.audio_channels == 1
    assert low.bufsize_kbps <= 2 * low.video_kbps


def test_bitrates_follow_the_issue():
    plan = {r.label: r for r in plan_ladder(video(1920, 1080))}
    assert (plan["240p"].video_kbps, plan["360p"].video_kbps, plan["720p"].video_kbps) == (300, 600, 1500)


def test_mono_source_is_not_upmixed():
    assert {r.audio_channels for r in plan_ladder(video(1920, 1080, channels=1))} == {1}


def test_audio_lesson_gets_one_speech_rendition():
    lecture = ProbeResult(kind="audio", duration=600.0, container="mp3", has_audio=True, audio_codec="mp3",
                          audio_channels=2, audio_stream_index=0)
    (only,) = plan_ladder(lecture)
    assert (only.filename, only.audio_kbps, only.audio_channels, only.is_audio_only) == ("audio.m4a", 64, 1, True)
    argv = build_command("/data/in.mp3", "/data/out", lecture)
    assert "-vn" in argv and "libx264" not in argv
    assert argv[argv.index("-movflags") + 1] == "+faststart"


def test_one_process_decodes_once_and_writes_every_rendition(tmp_path):
    source = video(1920, 1080)
    argv = build_command(tmp_path / "in.mp4", tmp_path / "out", source)
    assert argv.count("-i") == 1
    graph = argv[argv.index("-filter_complex") + 1]
    assert "split=3" in graph
    outputs = [arg for arg in argv[argv.index("-filter_complex"):] if arg.startswith("file:") and arg.endswith((".mp4", ".jpg"))]
    assert [o.rsplit("/", 1)[1] for o in outputs] == ["240p.mp4", "360p.mp4", "poster.jpg", "720p.mp4"]
    for flag, value in [("-c:v", "libx264"), ("-pix_fmt", "yuv420p"), ("-profile:v", "main"),
                        ("-preset", "veryfast"), ("-movflags", "+faststart"), ("-c:a", "aac"),
                        ("-force_key_frames", "expr:gte(t,n_forced*2)")]:
        assert [argv[i + 1] for i, arg in enumerate(argv) if arg == flag] == [value] * 3, flag


def test_source_paths_reach_ffmpeg_as_plain_files(tmp_path):
    argv = build_command(tmp_path / "-y http:x.mp4", tmp_path / "out", video(640, 360))
    assert argv[argv.index("-i") + 1] == f"file:{tmp_path}/-y http:x.mp4"
    assert argv[argv.index("-protocol_whitelist") + 1] == "file"


def test_video_without_audio_maps_no_audio(tmp_path):
    argv = build_command(tmp_path / "in.mp4", tmp_path / "out", video(640, 360, has_audio=False))
    assert "-c:a" not in argv and "0:1" not in argv


@pytest.mark.parametrize("rate, expected", [(25.0, "25"), (29.97, "30000/1001"), (59.94, "30"), (120.0, "30"),
                                            (0.0, "25"), (23.976, "24000/1001")])
def test_frame_rate_is_capped_at_30(rate, expected):
    assert output_frame_rate(video(640, 360, frame_rate=rate)) == expected


def test_poster_time():
    assert poster_time(2.0) == 0.2
    assert poster_time(7200.0) == 60.0
