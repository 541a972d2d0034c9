"""probe(): what every kind of upload is recognised as, and every rejection with its reason."""
from __future__ import annotations

import re

import pytest

from app.media.probe import Limits, MediaRejected, Reason, probe
from tests import media_factory

CHINESE = re.compile(r"[\u4e00-\u9fff]")


def test_plain_clip(sources):
    result = probe(sources.plain_clip)
    assert result.kind == "video"
    assert result.duration == pytest.approx(2.0, abs=0.1)
    assert (result.width, result.height) == (640, 360)
    assert (result.display_width, result.display_height) == (640, 360)
    assert result.rotation == 0
    assert result.has_audio and result.audio_codec == "aac"
    assert result.video_codec == "h264"
    assert "mp4" in result.container


def test_rotated_phone_clip_is_portrait_for_display(sources):
    result = probe(sources.rotated_phone_clip)
    assert (result.width, result.height) == (640, 360)
    assert result.rotation in (90, 270)
    assert (result.display_width, result.display_height) == (360, 640)


def test_odd_dimensions_are_reported_as_stored(sources):
    result = probe(sources.odd_dimensions_clip)
    assert (result.display_width, result.display_height) == (853, 479)


def test_anamorphic_sd_is_displayed_wide(sources):
    result = probe(sources.anamorphic_sd_clip)
    assert (result.width, result.height) == (720, 576)
    assert result.display_width / result.display_height == pytest.approx(16 / 9, rel=0.01)


@pytest.mark.parametrize("maker, video_codec, audio_codec", [
    ("wmv_clip", "wmv2", "wmav2"),
    ("flv_clip", "flv1", "mp3"),
    ("avi_clip", "mpeg4", "mp3"),
    ("rm_clip", "rv20", "ac3"),
    ("anamorphic_sd_clip", "mpeg2video", "mp2"),
])
def test_old_courseware_formats(sources, maker, video_codec, audio_codec):
    result = probe(getattr(sources, maker))
    assert result.kind == "video"
    assert (result.video_codec, result.audio_codec) == (video_codec, audio_codec)
    assert result.duration == pytest.approx(2.0, abs=0.2)
    assert result.has_audio


def test_video_without_audio(sources):
    result = probe(sources.video_without_audio)
    assert result.kind == "video"
    assert not result.has_audio
    assert result.audio_stream_index is None


@pytest.mark.parametrize("maker, codec", [
    ("mp3_audio", "mp3"),
    ("m4a_audio", "aac"),
    ("wav_audio", "pcm_s16le"),
    ("mp3_with_cover", "mp3"),  # the cover picture does not make it a video
])
def test_audio_lessons(sources, maker, codec):
    result = probe(getattr(sources, maker))
    assert result.kind == "audio"
    assert result.audio_codec == codec
    assert result.duration == pytest.approx(2.0, abs=0.1)
    assert result.video_stream_index is None


def test_amr_from_old_phones(sources):
    if not media_factory.has_encoder("libopencore_amrnb"):
        pytest.skip("this ffmpeg build cannot encode AMR (no libopencore_amrnb); decoding is built in")
    result = probe(sources.amr_audio)
    assert (result.kind, result.audio_codec) == ("audio", "amr_nb")


@pytest.mark.parametrize("maker, code", [
    ("empty_file", Reason.EMPTY),
    ("random_bytes", Reason.NOT_MEDIA),
    ("image_named_mp4", Reason.IMAGE),
    ("jpeg_named_mp4", Reason.IMAGE),
    ("truncated_mp4", Reason.TRUNCATED),
    ("missing_moov_mp4", Reason.TRUNCATED),
    ("html_named_mp4", Reason.HTML),
    ("hls_playlist_named_mp4", Reason.TEXT),
    ("absurd_dimensions", Reason.DIMENSIONS),
    ("ffmpeg_killing_source", Reason.UNDECODABLE),
])
def test_rejections_name_the_reason_in_chinese(sources, maker, code):
    with pytest.raises(MediaRejected) as caught:
        probe(getattr(sources, maker))
    assert caught.value.code == code
    assert CHINESE.search(caught.value.message)
    assert str(caught.value) == caught.value.message


def test_image_message_says_it_is_a_picture(sources):
    with pytest.raises(MediaRejected) as caught:
        probe(sources.image_named_mp4)
    assert "图片" in caught.value.message


def test_dimension_message_names_the_size(sources):
    with pytest.raises(MediaRejected) as caught:
        probe(sources.absurd_dimensions)
    assert "5000×96" in caught.value.message and "4096" in caught.value.message


@pytest.mark.parametrize("limits, code, fragment", [
    (Limits(max_duration=1.0), Reason.TOO_LONG, "小时"),
    (Limits(min_duration=5.0), Reason.TOO_SHORT, "5 秒"),
    (Limits(max_dimension=600), Reason.DIMENSIONS, "600×600"),
    (Limits(max_file_size=1000), Reason.TOO_LARGE, "MB"),
])
def test_configurable_limits(sources, limits, code, fragment):
    with pytest.raises(MediaRejected) as caught:
        probe(sources.plain_clip, limits)
    assert caught.value.code == code
    assert fragment in caught.value.message


def test_a_name_that_looks_like_an_option_or_protocol_is_just_a_file(sources, tmp_path):
    hostile = tmp_path / "-i concat:x|http:evil.mp4"
    hostile.write_bytes(sources.plain_clip.read_bytes())
    assert probe(hostile).kind == "video"


def test_limits_from_config():
    limits = Limits.from_config({"MEDIA_MAX_DURATION": "7200", "MEDIA_MAX_DIMENSION": 1920, "OTHER": 1})
    assert (limits.max_duration, limits.max_dimension, limits.min_duration) == (7200.0, 1920, Limits().min_duration)
