"""Turning uploaded bytes into text: BOM, UTF-8 or GB18030, refusing binary junk."""
from __future__ import annotations


class NotText(ValueError):
    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM), else GB18030; newlines normalised to "\\n".
    Raises NotText("binary_junk") for data with NUL or control bytes, NotText("not_text")
    when neither encoding fits."""
    if b"\x00" in data:
        raise NotText("binary_junk")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError:
            raise NotText("not_text") from None
    controls = sum(1 for char in text[:65536] if ord(char) < 32 and char not in "\t\n\r\f")
    if controls:
        raise NotText("binary_junk")
    return text.replace("\r\n", "\n").replace("\r", "\n")
