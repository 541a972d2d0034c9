"""Title-card videos: a course's key points as a short video, made with ffmpeg.

Course packages without a video get one of these at import, so every course
exercises the media pipeline (the result is transcoded like any upload and the
media is marked as generated). Text is drawn with a Simplified Chinese CJK font
found through fontconfig (Debian's fonts-noto-cjk, installed by .ci/install).
"""
from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

FONT_FAMILY = "Noto Sans CJK SC"
WIDTH, HEIGHT = 1280, 720
TITLE_SECONDS = 3
CARD_SECONDS = 5
WRAP_AT = 16  # CJK characters per line at the card's type size
# The cards are still pictures that change every few seconds: 5 frames a second look the same
# as 25 and cost a third of the CPU to draw and to transcode (the ladder keeps the source's rate).
# `lms demo` makes nine of these; at 25 fps that alone took minutes on a 2-core township PC.
FRAME_RATE = 5


class TitleCardError(RuntimeError):
    pass


def cjk_font_available() -> bool:
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return False
    result = subprocess.run([fc_list, f":family={FONT_FAMILY}"], capture_output=True, text=True, timeout=30)
    return bool(result.stdout.strip())


def _wrap(text: str, width: int = WRAP_AT) -> str:
    text = " ".join(text.split())
    return "\n".join(text[i:i + width] for i in range(0, len(text), width))


def _drawtext(textfile: Path, size: int, y: str, start: float, end: float, colour: str = "white") -> str:
    # Paths go through textfile= so no user text is ever parsed as filter syntax.
    escaped = str(textfile).replace("\\", "\\\\").replace(":", "\\:").replace("'", "\\'")
    return (f"drawtext=font='{FONT_FAMILY}':textfile='{escaped}':fontsize={size}:fontcolor={colour}:expansion=none"
            f":line_spacing=18:x=(w-text_w)/2:y={y}:enable='between(t,{start},{end})'")


def render_title_cards(title: str, points: list[str], output: Path, timeout: int = 300) -> float:
    """Write an MP4 of a title card followed by one card per point; return its duration in seconds."""
    if not points:
        raise TitleCardError("no key points to render")
    if not cjk_font_available():
        raise TitleCardError(f"font {FONT_FAMILY!r} is missing (install fonts-noto-cjk)")
    duration = TITLE_SECONDS + CARD_SECONDS * len(points)
    with tempfile.TemporaryDirectory(prefix="titlecards-") as workdir:
        work = Path(workdir)
        filters = []
        title_file = work / "title.txt"
        title_file.write_text(_wrap(title, 14), encoding="utf-8")
        filters.append(_drawtext(title_file, 72, "(h-text_h)/2", 0, TITLE_SECONDS))
        for index, point in enumerate(points):
            start = TITLE_SECONDS + index * CARD_SECONDS
            end = start + CARD_SECONDS
            heading = work / f"heading{index}.txt"
            heading.write_text(_wrap(title, 24), encoding="utf-8")
            body = work / f"point{index}.txt"
            body.write_text(_wrap(point), encoding="utf-8")
            counter = work / f"counter{index}.txt"
            counter.write_text(f"{index + 1} / {len(points)}", encoding="utf-8")
            filters.append(_drawtext(heading, 36, "60", start, end, "0xF2C94C"))
            filters.append(_drawtext(body, 64, "(h-text_h)/2", start, end))
            filters.append(_drawtext(counter, 32, "h-90", start, end, "0xBBBBBB"))
        command = [
            "ffmpeg", "-nostdin", "-v", "error", "-y",
            "-f", "lavfi", "-i", f"color=c=0x7A1114:s={WIDTH}x{HEIGHT}:r={FRAME_RATE}:d={duration}",
            "-f", "lavfi", "-i", f"anullsrc=r=44100:cl=mono:d={duration}",
            "-vf", ",".join(filters),
            "-c:v", "libx264", "-preset", "veryfast", "-tune", "stillimage", "-pix_fmt", "yuv420p",
            "-c:a", "aac", "-b:a", "32k", "-shortest", "-movflags", "+faststart",
            str(output),
        ]
        result = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
        if result.returncode != 0:
            raise TitleCardError(result.stderr.strip()[-2000:])
    return float(duration)
