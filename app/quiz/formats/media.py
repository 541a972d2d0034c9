"""Files embedded in question text: which are accepted, what they really are, how large.

    check_media(name, data) -> (mime, None) or (None, error message)

The content decides the type (magic bytes), never the name alone: a file is kept only when
it is one of the images a browser shows safely (PNG, JPEG, GIF, WebP, BMP; SVG can carry
script and is refused) or audio an <audio> element plays (MP3, M4A/AAC, Ogg, WAV), when its
name does not claim another kind, and when it is within the limit of its kind (images 5 MB,
audio 10 MB). Every refusal is a message for the import report, so no file vanishes silently.
"""
from __future__ import annotations

import mimetypes

from .messages import human_size, message
from .model import MAX_AUDIO_BYTES, MAX_IMAGE_BYTES

# mime -> the extension it is stored with
MEDIA_EXTENSIONS = {
    "image/png": "png", "image/jpeg": "jpg", "image/gif": "gif", "image/webp": "webp", "image/bmp": "bmp",
    "audio/mpeg": "mp3", "audio/mp4": "m4a", "audio/ogg": "ogg", "audio/wav": "wav",
}


def sniff(data: bytes) -> str | None:
    """The mime type the bytes are, among MEDIA_EXTENSIONS, or None."""
    head = data[:16]
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"RIFF") and head[8:12] == b"WAVE":
        return "audio/wav"
    if head.startswith(b"BM") and len(data) > 26:
        return "image/bmp"
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return "audio/mpeg"
    if head.startswith(b"OggS"):
        return "audio/ogg"
    if head[4:8] == b"ftyp":
        return "audio/mp4"
    return None


def max_bytes(mime: str) -> int:
    return MAX_AUDIO_BYTES if mime.startswith("audio/") else MAX_IMAGE_BYTES


def check_media(name: str, data: bytes) -> tuple[str | None, str | None]:
    mime = sniff(data)
    claimed = mimetypes.guess_type(name)[0] or ""
    if mime is None:
        return None, message("media_unsupported", name=name)
    if claimed and claimed.split("/")[0] != mime.split("/")[0]:
        return None, message("media_mismatch", name=name)
    if len(data) > max_bytes(mime):
        key = "audio_too_large" if mime.startswith("audio/") else "image_too_large"
        return None, message(key, name=name, limit=human_size(max_bytes(mime)))
    return mime, None
