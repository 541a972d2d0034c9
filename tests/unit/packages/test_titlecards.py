"""Title-card videos for course packages without a video."""
import json
import subprocess

import pytest

from app.media.titlecards import CARD_SECONDS, FRAME_RATE, TITLE_SECONDS, render_title_cards


def _frame_rgb(path, seconds: float) -> bytes:
    return subprocess.run(["ffmpeg", "-v", "error", "-ss", str(seconds), "-i", str(path), "-frames:v", "1",
                           "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", "160x90", "-"],
                          capture_output=True, check=True).stdout


def _text_pixels(frame: bytes) -> int:
    """Bright pixels: the background is dark red, the text white or yellow."""
    return sum(1 for i in range(0, len(frame), 3) if frame[i + 1] > 150)


@pytest.mark.slow
def test_cards_show_each_point_with_cjk_text(tmp_path):
    output = tmp_path / "cards.mp4"
    points = ["脱毒种薯能增产 30% 以上", "切刀要消毒：'酒精'"]
    duration = render_title_cards("马铃薯栽培", points, output)
    assert duration == TITLE_SECONDS + CARD_SECONDS * len(points)
    probe = json.loads(subprocess.run(["ffprobe", "-v", "error", "-show_format", "-show_streams", "-of", "json",
                                       str(output)], capture_output=True, check=True, text=True).stdout)
    assert abs(float(probe["format"]["duration"]) - duration) < 0.5
    assert {stream["codec_type"] for stream in probe["streams"]} == {"video", "audio"}
    video = next(stream for stream in probe["streams"] if stream["codec_type"] == "video")
    assert video["avg_frame_rate"] == f"{FRAME_RATE}/1"  # still cards: few frames, cheap to transcode
    # Every card shows text, and each shows something different.
    frames = [_frame_rgb(output, 1)] + [_frame_rgb(output, TITLE_SECONDS + index * CARD_SECONDS + 2)
                                        for index in range(len(points))]
    assert all(_text_pixels(frame) > 20 for frame in frames)
    assert len(set(frames)) == len(frames)
