"""run_transcode(): real ffmpeg runs on small generated sources, checked with ffprobe."""
from __future__ import annotations

import json
import subprocess

import pytest

from app.media.probe import probe
from app.media.transcode import TranscodeFailed, run_transcode

pytestmark = pytest.mark.slow


def ffprobe(path):
    completed = subprocess.run(["ffprobe", "-v", "error", "-show_format", "-show_streams", "-of", "json", str(path)],
                               capture_output=True, check=True)
    return json.loads(completed.stdout)


def top_level_atoms(path):
    data, atoms, offset = path.read_bytes(), [], 0
    while offset + 8 <= len(data):
        size = int.from_bytes(data[offset:offset + 4], "big")
        atoms.append(data[offset + 4:offset + 8].decode("latin-1"))
        if size == 1:
            size = int.from_bytes(data[offset + 8:offset + 16], "big")
        if size < 8:
            break
        offset += size
    return atoms


def pixel(image, x, y):
    """RGB of one pixel of a picture file, through ffmpeg."""
    raw = subprocess.run(["ffmpeg", "-v", "error", "-i", str(image), "-vf", f"crop=8:8:{x}:{y},scale=1:1",
                          "-f", "rawvideo", "-pix_fmt", "rgb24", "-"], capture_output=True, check=True).stdout
    return tuple(raw[:3])


def transcode(source, tmp_path, name="out"):
    seen = []
    result = run_transcode(source, tmp_path / name, probe(source), seen.append, progress_interval=0)
    return result, seen


def assert_streamable_h264(path, width, height, has_audio=True):
    info = ffprobe(path)
    video = [s for s in info["streams"] if s["codec_type"] == "video"]
    audio = [s for s in info["streams"] if s["codec_type"] == "audio"]
    assert len(video) == 1
    stream = video[0]
    assert stream["codec_name"] == "h264" and stream["profile"] in ("Main", "High")
    assert stream["pix_fmt"] == "yuv420p"
    assert (stream["width"], stream["height"]) == (width, height)
    assert stream.get("sample_aspect_ratio", "1:1") in ("1:1", "0:1")
    assert not any("rotation" in side for side in stream.get("side_data_list", []))
    assert "rotate" not in stream.get("tags", {})
    if has_audio:
        assert [s["codec_name"] for s in audio] == ["aac"]
    else:
        assert audio == []
    atoms = top_level_atoms(path)
    assert atoms.index("moov") < atoms.index("mdat"), atoms


def test_plain_clip_ladder(sources, tmp_path):
    result, seen = transcode(sources.plain_clip, tmp_path)
    assert [(r.label, r.width, r.height) for r in result.renditions] == [("240p", 426, 240), ("360p", 640, 360)]
    for rendition in result.renditions:
        assert_streamable_h264(rendition.path, rendition.width, rendition.height)
        assert rendition.size == rendition.path.stat().st_size > 0
        assert rendition.bitrate > 0
    assert result.duration == pytest.approx(2.0, abs=0.15)
    poster = ffprobe(result.poster)["streams"][0]
    assert (poster["codec_name"], poster["width"], poster["height"]) == ("mjpeg", 640, 360)
    assert seen == sorted(seen) and seen[-1] == 100 and len(seen) >= 2
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["240p.mp4", "360p.mp4", "poster.jpg"]


def test_rotated_phone_clip_comes_out_upright(sources, tmp_path):
    source_probe = probe(sources.rotated_phone_clip)
    result, _ = transcode(sources.rotated_phone_clip, tmp_path)
    for rendition in result.renditions:
        assert rendition.height > rendition.width
        assert_streamable_h264(rendition.path, rendition.width, rendition.height)
    # The source is red over blue as coded; turned for display, the red half lands on one side.
    red_left = pixel(result.poster, 20, 320)[0] > 200
    red_right = pixel(result.poster, 330, 320)[0] > 200
    assert red_left != red_right
    assert red_left == (source_probe.rotation == 270)


def test_odd_dimensions_give_even_sizes(sources, tmp_path):
    result, _ = transcode(sources.odd_dimensions_clip, tmp_path)
    for rendition in result.renditions:
        assert rendition.width % 2 == 0 and rendition.height % 2 == 0
        assert rendition.width / rendition.height == pytest.approx(853 / 479, rel=0.01)
        assert_streamable_h264(rendition.path, rendition.width, rendition.height)


def test_anamorphic_sd_is_unstretched(sources, tmp_path):
    result, _ = transcode(sources.anamorphic_sd_clip, tmp_path)
    assert [(r.width, r.height) for r in result.renditions] == [(426, 240), (640, 360)]
    for rendition in result.renditions:
        assert_streamable_h264(rendition.path, rendition.width, rendition.height)


@pytest.mark.parametrize("maker", ["wmv_clip", "flv_clip"])
def test_old_courseware(sources, tmp_path, maker):
    result, _ = transcode(getattr(sources, maker), tmp_path)
    assert [(r.label, r.width, r.height) for r in result.renditions] == [("240p", 320, 240)]
    assert_streamable_h264(result.renditions[0].path, 320, 240)


def test_video_without_audio(sources, tmp_path):
    result, _ = transcode(sources.video_without_audio, tmp_path)
    for rendition in result.renditions:
        assert_streamable_h264(rendition.path, rendition.width, rendition.height, has_audio=False)


@pytest.mark.parametrize("maker", ["mp3_with_cover", "wav_audio"])
def test_audio_lesson_becomes_mono_aac_m4a(sources, tmp_path, maker):
    result, seen = transcode(getattr(sources, maker), tmp_path)
    (audio,) = result.renditions
    assert audio.path.name == "audio.m4a" and result.poster is None
    info = ffprobe(audio.path)
    assert [(s["codec_type"], s["codec_name"], s["channels"]) for s in info["streams"]] == [("audio", "aac", 1)]
    assert int(info["streams"][0]["bit_rate"]) <= 72_000
    atoms = top_level_atoms(audio.path)
    assert atoms.index("moov") < atoms.index("mdat")
    assert seen[-1] == 100


def test_a_source_ffmpeg_cannot_decode_fails_and_leaves_nothing(sources, tmp_path):
    # Probe the intact clip, then hand ffmpeg the same container with its frames destroyed.
    intact = probe(sources.plain_clip)
    with pytest.raises(TranscodeFailed) as caught:
        run_transcode(sources.ffmpeg_killing_source, tmp_path / "out", intact)
    assert caught.value.code in ("ffmpeg_error", "incomplete_output")
    assert "转码失败" in caught.value.message
    assert not caught.value.retryable
    assert list(tmp_path.iterdir()) == []


def test_timeout_kills_ffmpeg_and_leaves_nothing(sources, tmp_path):
    with pytest.raises(TranscodeFailed) as caught:
        run_transcode(sources.plain_clip, tmp_path / "out", probe(sources.plain_clip), timeout=0.0)
    assert caught.value.code == "timeout"
    assert "超时" in caught.value.message
    assert list(tmp_path.iterdir()) == []


def test_workdir_must_be_new(sources, tmp_path):
    (tmp_path / "out").mkdir()
    with pytest.raises(FileExistsError):
        run_transcode(sources.plain_clip, tmp_path / "out", probe(sources.plain_clip))


def test_ffmpeg_killed_by_a_signal_is_retryable_and_leaves_nothing(sources, tmp_path):
    """What a crash looks like (out of memory, a decoder bug): the job layer retries it, boundedly."""
    import os
    import signal
    from pathlib import Path

    if not Path("/proc/self/cmdline").exists():
        pytest.skip("needs /proc to find the ffmpeg process")
    workdir = tmp_path / "out"

    def kill_ffmpeg(percent):
        for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
            try:
                if str(workdir).encode() in cmdline.read_bytes():
                    os.kill(int(cmdline.parent.name), signal.SIGKILL)
            except (OSError, ProcessLookupError):
                continue

    with pytest.raises(TranscodeFailed) as caught:
        run_transcode(sources.plain_clip, workdir, probe(sources.plain_clip), kill_ffmpeg, progress_interval=0)
    assert (caught.value.code, caught.value.retryable) == ("killed", True)
    assert list(tmp_path.iterdir()) == []


def test_transcode_and_publish_puts_the_whole_ladder_in_storage(sources, tmp_path):
    from app.core.storage import LocalStorage
    from app.media.transcode import transcode_and_publish

    storage = LocalStorage(tmp_path / "media")
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    published = transcode_and_publish(sources.plain_clip, probe(sources.plain_clip), storage, "media/42/v1",
                                      scratch_root=scratch)
    assert storage.list_prefix("media/42/v1") == ["media/42/v1/240p.mp4", "media/42/v1/360p.mp4",
                                                  "media/42/v1/poster.jpg"]
    assert [r["key"] for r in published.renditions] == ["media/42/v1/240p.mp4", "media/42/v1/360p.mp4"]
    assert published.poster_key == "media/42/v1/poster.jpg"
    assert storage.size("media/42/v1/360p.mp4") == published.renditions[1]["size"]
    assert list(scratch.iterdir()) == []


def test_a_failed_transcode_publishes_nothing(sources, tmp_path):
    from app.core.storage import LocalStorage
    from app.media.transcode import transcode_and_publish

    storage = LocalStorage(tmp_path / "media")
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    with pytest.raises(TranscodeFailed):
        transcode_and_publish(sources.ffmpeg_killing_source, probe(sources.plain_clip), storage, "media/43/v1",
                              scratch_root=scratch)
    assert not storage.exists("media/43/v1")
    assert list(scratch.iterdir()) == []
