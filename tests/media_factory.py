"""Small media files generated with ffmpeg's lavfi sources at test time.

Every function writes one file into `folder` and returns its path. Clips are 2 s
long and small so the whole media suite stays fast; nothing is downloaded and no
binary fixture is committed. The ffmpeg build decides what can be made: `has_encoder`
lets a test skip a case (AMR needs libopencore_amrnb, which Debian's ffmpeg lacks).
"""
from __future__ import annotations

import functools
import os
import subprocess
from pathlib import Path

DURATION = 2


@functools.lru_cache(maxsize=None)
def has_encoder(name: str) -> bool:
    listing = subprocess.run(["ffmpeg", "-hide_banner", "-encoders"], capture_output=True, text=True).stdout
    return any(line.split()[1:2] == [name] for line in listing.splitlines() if line.startswith(" "))


@functools.lru_cache(maxsize=None)
def ffmpeg_major_version() -> int:
    first = subprocess.run(["ffmpeg", "-version"], capture_output=True, text=True).stdout.split()
    version = first[2] if len(first) > 2 else "0"
    digits = version.split(".")[0].lstrip("n")
    return int(digits) if digits.isdigit() else 0


def _ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y", *args], check=True)


def _video_source(size: str, rate: int = 25, duration: float = DURATION) -> list[str]:
    return ["-f", "lavfi", "-i", f"testsrc2=size={size}:rate={rate}:duration={duration}"]


def _audio_source(duration: float = DURATION, rate: int = 44100) -> list[str]:
    return ["-f", "lavfi", "-i", f"sine=frequency=440:sample_rate={rate}:duration={duration}"]


H264_FAST = ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p"]


def plain_clip(folder: Path, name: str = "plain.mp4", size: str = "640x360", duration: float = DURATION,
               faststart: bool = True) -> Path:
    """H.264 + AAC in MP4, the common case."""
    path = folder / name
    flags = ["-movflags", "+faststart"] if faststart else []
    _ffmpeg(*_video_source(size, duration=duration), *_audio_source(duration), *H264_FAST,
            "-c:a", "aac", "-b:a", "64k", "-shortest", *flags, str(path))
    return path


def rotated_phone_clip(folder: Path, rotation: int = 90, *, name: str = "phone.mp4", coded_size: str = "640x360",
                       duration: float = DURATION) -> Path:
    """A landscape-coded clip with rotation metadata, as phones record portrait video
    (coded_size "1280x720" with rotation 90 is a 720x1280 portrait recording).

    ffmpeg 6+ sets the display matrix with the `-display_rotation` input option; older
    builds honour the `rotate` stream tag, but only when stream-copying.
    """
    width, height = (int(side) for side in coded_size.split("x"))
    half = f"{width}x{height // 2}"
    coded = folder / "phone-coded.mp4"
    # Red over blue, so a test can tell which way the picture was turned.
    _ffmpeg("-f", "lavfi", "-i", f"color=red:size={half}:rate=25:duration={duration}",
            "-f", "lavfi", "-i", f"color=blue:size={half}:rate=25:duration={duration}", *_audio_source(duration),
            "-filter_complex", "[0:v][1:v]vstack[v]", "-map", "[v]", "-map", "2:a", *H264_FAST,
            "-c:a", "aac", "-shortest", str(coded))
    path = folder / name
    if ffmpeg_major_version() >= 6:
        _ffmpeg("-display_rotation", str(rotation), "-i", str(coded), "-c", "copy", str(path))
    else:
        _ffmpeg("-i", str(coded), "-c", "copy", "-metadata:s:v:0", f"rotate={rotation}", str(path))
    coded.unlink()
    return path


def odd_dimensions_clip(folder: Path) -> Path:
    """853x479: odd width and height (4:4:4 H.264 allows them; testsrc2 itself rounds to even)."""
    path = folder / "odd.mkv"
    _ffmpeg(*_video_source("854x480"), *_audio_source(), "-vf", "scale=853:479,setsar=1", "-c:v", "libx264",
            "-preset", "ultrafast",
            "-pix_fmt", "yuv444p", "-c:a", "aac", "-shortest", str(path))
    return path


def anamorphic_sd_clip(folder: Path) -> Path:
    """PAL DVD-style MPEG-2: 720x576 stored, 16:9 displayed (sample aspect 64:45)."""
    path = folder / "anamorphic.mpg"
    _ffmpeg(*_video_source("720x576"), *_audio_source(rate=48000), "-vf", "setsar=64/45",
            "-c:v", "mpeg2video", "-b:v", "2M", "-c:a", "mp2", "-shortest", "-f", "mpeg", str(path))
    return path


def wmv_clip(folder: Path) -> Path:
    path = folder / "courseware.wmv"
    _ffmpeg(*_video_source("320x240"), *_audio_source(), "-c:v", "wmv2", "-c:a", "wmav2",
            "-shortest", str(path))
    return path


def flv_clip(folder: Path) -> Path:
    path = folder / "courseware.flv"
    _ffmpeg(*_video_source("320x240"), *_audio_source(), "-c:v", "flv", "-c:a", "libmp3lame",
            "-ar", "44100", "-shortest", str(path))
    return path


def avi_clip(folder: Path) -> Path:
    path = folder / "courseware.avi"
    _ffmpeg(*_video_source("320x240"), *_audio_source(), "-c:v", "mpeg4", "-c:a", "libmp3lame",
            "-shortest", str(path))
    return path


def rm_clip(folder: Path) -> Path:
    """RealMedia (rv20 + AC-3): the closest this build can write to old RMVB courseware."""
    path = folder / "courseware.rm"
    _ffmpeg(*_video_source("320x240"), *_audio_source(), "-c:v", "rv20", "-c:a", "ac3",
            "-shortest", str(path))
    return path


def video_without_audio(folder: Path) -> Path:
    path = folder / "silent.mp4"
    _ffmpeg(*_video_source("640x360"), *H264_FAST, "-an", str(path))
    return path


def mp3_audio(folder: Path) -> Path:
    path = folder / "lecture.mp3"
    _ffmpeg(*_audio_source(), "-c:a", "libmp3lame", "-b:a", "64k", str(path))
    return path


def mp3_with_cover(folder: Path) -> Path:
    """An MP3 with embedded cover art: the picture must not make it a video."""
    cover = folder / "cover.png"
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=size=200x200", "-frames:v", "1", str(cover))
    path = folder / "lecture-cover.mp3"
    _ffmpeg(*_audio_source(), "-i", str(cover), "-map", "0:a", "-map", "1:v", "-c:a", "libmp3lame",
            "-c:v", "png", "-disposition:v", "attached_pic", "-id3v2_version", "3", str(path))
    cover.unlink()
    return path


def m4a_audio(folder: Path) -> Path:
    path = folder / "lecture.m4a"
    _ffmpeg(*_audio_source(), "-c:a", "aac", "-b:a", "64k", str(path))
    return path


def wav_audio(folder: Path) -> Path:
    path = folder / "lecture.wav"
    _ffmpeg(*_audio_source(rate=16000), "-c:a", "pcm_s16le", str(path))
    return path


def amr_audio(folder: Path) -> Path:
    """AMR-NB as old phones record it; needs libopencore_amrnb in the ffmpeg build."""
    path = folder / "lecture.amr"
    _ffmpeg(*_audio_source(rate=8000), "-ac", "1", "-c:a", "libopencore_amrnb", "-b:a", "12.2k", str(path))
    return path


# --- files that must be rejected -------------------------------------------------------------

def empty_file(folder: Path) -> Path:
    path = folder / "empty.mp4"
    path.write_bytes(b"")
    return path


def random_bytes(folder: Path) -> Path:
    path = folder / "random.mp4"
    path.write_bytes(os.urandom(64 * 1024))
    return path


def image_named_mp4(folder: Path) -> Path:
    path = folder / "picture.mp4"
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=size=320x240", "-frames:v", "1", "-f", "image2",
            "-c:v", "png", str(path))
    return path


def jpeg_named_mp4(folder: Path) -> Path:
    path = folder / "photo.mp4"
    _ffmpeg("-f", "lavfi", "-i", "testsrc2=size=320x240", "-frames:v", "1", "-f", "image2",
            "-c:v", "mjpeg", str(path))
    return path


def truncated_mp4(folder: Path) -> Path:
    """A faststart MP4 cut in half: the index is complete, the media data is not."""
    source = plain_clip(folder, "whole.mp4")
    path = folder / "truncated.mp4"
    data = source.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    source.unlink()
    return path


def missing_moov_mp4(folder: Path) -> Path:
    """An MP4 written without faststart (moov at the end) with its end cut off."""
    source = plain_clip(folder, "whole-tail.mp4", faststart=False)
    data = source.read_bytes()
    moov = data.rfind(b"moov")
    assert moov > len(data) // 2, "expected the moov atom at the end"
    path = folder / "no-moov.mp4"
    path.write_bytes(data[: moov - 4])
    source.unlink()
    return path


def html_named_mp4(folder: Path) -> Path:
    path = folder / "page.mp4"
    path.write_text("<!DOCTYPE html>\n<html><head><title>视频</title></head>"
                    "<body><p>Not Found</p></body></html>\n", encoding="utf-8")
    return path


def absurd_dimensions(folder: Path) -> Path:
    """5000x96: wider than the 4096 limit; a tiny, short clip so it costs nothing."""
    path = folder / "wide.mkv"
    _ffmpeg("-f", "lavfi", "-i", "color=c=blue:size=5000x96:rate=5:duration=2", "-c:v", "libx264",
            "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(path))
    return path


def hls_playlist_named_mp4(folder: Path) -> Path:
    """A playlist that would make ffmpeg read other files: text, so rejected before ffprobe."""
    path = folder / "playlist.mp4"
    path.write_text("#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\nfile:///etc/passwd\n#EXT-X-ENDLIST\n")
    return path


def ffmpeg_killing_source(folder: Path) -> Path:
    """A file ffprobe accepts but ffmpeg cannot transcode: a valid header over garbage frames.

    Keeps the MP4 index of a real clip and overwrites every byte of media data
    with noise, so decoding fails while probing still reads the container.
    """
    source = plain_clip(folder, "intact.mp4")
    data = bytearray(source.read_bytes())
    mdat = data.find(b"mdat")
    noise = os.urandom(len(data) - mdat - 4)
    data[mdat + 4:] = noise
    path = folder / "garbage-frames.mp4"
    path.write_bytes(bytes(data))
    source.unlink()
    return path


def busy_phone_clip(folder: Path, duration: float = DURATION) -> Path:
    """A 1080x1920 portrait phone recording as phones store it: coded 1920x1080 with rotation
    metadata, and a busy picture (test pattern plus grain) whose frames compress badly, like
    real camera footage. A white band marks the coded top edge, so a test can tell the turn."""
    coded = folder / "busy-coded.mp4"
    _ffmpeg(*_video_source("1920x1080", duration=duration), *_audio_source(duration),
            "-vf", "noise=alls=40:allf=t+u,drawbox=x=0:y=0:w=iw:h=120:color=white:t=fill",
            *H264_FAST, "-crf", "18", "-c:a", "aac", "-b:a", "64k", "-shortest", str(coded))
    path = folder / "busy-phone.mp4"
    if ffmpeg_major_version() >= 6:
        _ffmpeg("-display_rotation", "90", "-i", str(coded), "-c", "copy", str(path))
    else:
        _ffmpeg("-i", str(coded), "-c", "copy", "-metadata:s:v:0", "rotate=90", str(path))
    coded.unlink()
    return path


# --- documents -------------------------------------------------------------------------------

def text_pdf(folder: Path, name: str = "handbook.pdf", line: str = "Late blight handbook") -> Path:
    """A one-page PDF showing `line` (ASCII, Helvetica), written by hand with a correct
    cross-reference table so a viewer (Chromium's) renders it rather than repairing it."""
    content = f"BT /F1 24 Tf 40 100 Td ({line}) Tj ET".encode("ascii")
    objects = [
        b"<</Type/Catalog/Pages 2 0 R>>",
        b"<</Type/Pages/Kids[3 0 R]/Count 1>>",
        b"<</Type/Page/Parent 2 0 R/MediaBox[0 0 400 200]/Contents 4 0 R/Resources<</Font<</F1 5 0 R>>>>>>",
        b"<</Length %d>>stream\n%s\nendstream" % (len(content), content),
        b"<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>",
    ]
    body = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, text in enumerate(objects, start=1):
        offsets.append(len(body))
        body += b"%d 0 obj\n%s\nendobj\n" % (number, text)
    xref = len(body)
    body += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    body += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    body += b"trailer\n<</Size %d/Root 1 0 R>>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    path = folder / name
    path.write_bytes(bytes(body))
    return path
