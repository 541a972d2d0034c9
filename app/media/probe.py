"""Probe and validate an uploaded file before any work is done on it.

`probe(path, limits)` answers one question: is this a lesson we can transcode?
It returns a ProbeResult describing the main stream, or raises MediaRejected with
a code and a Chinese message naming the reason, which the upload page shows as-is.

Three layers, cheapest first:
1. Sniff the first bytes: empty files and text (HTML error pages, playlists, scripts)
   never reach ffprobe. Text is refused outright because ffmpeg treats some text
   formats (HLS playlists, concat scripts) as instructions to read other files.
2. ffprobe reads the container (with a timeout, local files only).
3. ffmpeg decodes a little at the start and a little at the end, so a file whose
   index is fine but whose data is cut off (an interrupted upload) is caught here
   rather than half-way through a transcode.

ffmpeg and ffprobe always receive the path as `file:<absolute path>`: a name that
starts with "-" or looks like a protocol ("http:", "concat:") stays a plain file.
"""
from __future__ import annotations

import json
import math
import os
import subprocess
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

FFPROBE = "ffprobe"
FFMPEG = "ffmpeg"

# Demuxers and codecs that mean "this is a still picture", whatever the file is called.
IMAGE_FORMATS = {"image2", "gif", "apng", "webp", "ico", "svg", "tiff", "bmp"}
IMAGE_CODECS = {"png", "mjpeg", "gif", "bmp", "webp", "tiff", "jpeg2000", "jpegls", "apng", "svg", "pam",
                "ppm", "pgm", "pbm", "pcx", "targa", "sgi", "qoi", "jpegxl", "psd", "exr", "xbm"}
# Containers that are really instructions to open other files, or raw capture formats.
REFUSED_FORMATS = {"hls", "concat", "ffmetadata", "sdp", "rtsp", "lavfi", "tty", "subviewer", "webvtt",
                   "srt", "ass", "dash", "smil", "mpd"}


class Reason:
    """Rejection codes, stable for the API and the tests."""
    EMPTY = "empty"
    TOO_LARGE = "too_large"
    HTML = "html"
    TEXT = "text"
    NOT_MEDIA = "not_media"
    IMAGE = "image"
    TRUNCATED = "truncated"
    NO_STREAMS = "no_streams"
    UNDECODABLE = "undecodable"
    NO_DURATION = "no_duration"
    TOO_SHORT = "too_short"
    TOO_LONG = "too_long"
    DIMENSIONS = "dimensions"
    PROBE_TIMEOUT = "probe_timeout"
    NO_UNIT = "no_unit"  # not about the file: the uploader has no unit to own it


# What the trainer reads on the upload page. Placeholders are filled from Limits.
MESSAGES_ZH = {
    Reason.EMPTY: "文件是空的：上传的文件没有任何内容，请重新选择文件上传。",
    Reason.TOO_LARGE: "文件太大：最大允许 {max_mb} MB，请压缩或剪短后再上传。",
    Reason.HTML: "这不是视频文件：文件内容是一个网页（HTML），可能是下载失败时保存的错误页面。",
    Reason.TEXT: "这不是音视频文件：文件内容是文本。",
    Reason.NOT_MEDIA: "无法识别的文件：这不是可以播放的视频或音频文件。",
    Reason.IMAGE: "这不是视频文件：文件内容是一张图片。",
    Reason.TRUNCATED: "文件不完整：文件在上传或拷贝时被截断（缺少部分数据或索引），请用完整的原文件重新上传。",
    Reason.NO_STREAMS: "文件里没有视频或音频内容。",
    Reason.UNDECODABLE: "文件中的视频或音频编码无法解码，请转换为常见格式（如 MP4）后再上传。",
    Reason.NO_DURATION: "无法读取文件的时长，文件可能已损坏。",
    Reason.TOO_SHORT: "时长太短：至少需要 {min_seconds} 秒。",
    Reason.TOO_LONG: "时长太长：最长允许 {max_hours} 小时，请分段上传。",
    Reason.DIMENSIONS: "画面尺寸不符合要求：{width}×{height}，最大允许 {max_dimension}×{max_dimension}。",
    Reason.PROBE_TIMEOUT: "读取文件超时，文件可能已损坏或格式异常。",
    Reason.NO_UNIT: "您的账号没有所属单位，不能上传文件。请管理员先为账号指定单位（新装的系统先运行 lms init 创建县级单位）。",
}


@dataclass(frozen=True)
class Limits:
    """Acceptance limits; the application maps its LMS_MEDIA_* settings onto these."""
    max_duration: float = 4 * 3600.0
    min_duration: float = 0.5
    max_dimension: int = 4096
    min_dimension: int = 16
    max_file_size: int = 4 * 1024 ** 3
    probe_timeout: float = 60.0

    @classmethod
    def from_config(cls, config) -> "Limits":
        """Read MEDIA_MAX_DURATION, MEDIA_MIN_DURATION (seconds), MEDIA_MAX_DIMENSION (pixels)
        and MEDIA_MAX_UPLOAD_BYTES (bytes, the largest upload) from an app config; missing keys
        keep the defaults."""
        names = {"MEDIA_MAX_DURATION": "max_duration", "MEDIA_MIN_DURATION": "min_duration",
                 "MEDIA_MAX_DIMENSION": "max_dimension", "MEDIA_MAX_UPLOAD_BYTES": "max_file_size"}
        values = {field: type(getattr(cls, field))(config[key]) for key, field in names.items()
                  if config.get(key) is not None}
        return cls(**values)


class MediaRejected(Exception):
    """The file is not a lesson we can use; `message` is the Chinese text for the trainer."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code
        self.message = message


def reject(code: str, **values) -> MediaRejected:
    return MediaRejected(code, MESSAGES_ZH[code].format(**values))


@dataclass(frozen=True)
class ProbeResult:
    kind: str  # "video" or "audio"
    duration: float  # seconds
    container: str  # ffprobe format_name, e.g. "mov,mp4,m4a,3gp,3g2,mj2"
    has_audio: bool
    audio_codec: str | None
    audio_channels: int
    video_codec: str | None = None
    width: int = 0  # as stored in the stream
    height: int = 0
    display_width: int = 0  # as shown: sample aspect ratio and rotation applied
    display_height: int = 0
    rotation: int = 0  # clockwise degrees the picture is turned for display: 0, 90, 180, 270
    frame_rate: float = 0.0
    video_stream_index: int | None = None
    audio_stream_index: int | None = None

    @property
    def is_video(self) -> bool:
        return self.kind == "video"


def ffmpeg_input(path: Path | str) -> str:
    """The only way a path is handed to ffmpeg: absolute, behind the file: protocol."""
    return "file:" + os.path.abspath(os.fspath(path))


def probe(path: Path | str, limits: Limits | None = None) -> ProbeResult:
    limits = limits or Limits()
    path = Path(path)
    size = path.stat().st_size
    if size == 0:
        raise reject(Reason.EMPTY)
    if size > limits.max_file_size:
        raise reject(Reason.TOO_LARGE, max_mb=limits.max_file_size // (1024 * 1024))
    with path.open("rb") as handle:
        head = handle.read(4096)
    _refuse_text(head)

    info = _ffprobe(path, head, limits)
    result = _describe(info, limits)
    _decode_check(path, result, limits)
    return result


def _refuse_text(head: bytes) -> None:
    """Text is never media. A chunk without NUL bytes that decodes as text is text."""
    if b"\x00" in head:
        return
    sample = head.lstrip(b"\xef\xbb\xbf")
    for encoding in ("utf-8", "gb18030"):
        try:
            text = sample.decode(encoding)
        except UnicodeDecodeError as error:
            # A multi-byte character cut at the 4 KiB boundary is still text.
            if error.start < len(sample) - 4:
                continue
            text = sample[: error.start].decode(encoding)
        if not all(ch.isprintable() or ch in "\r\n\t\f" for ch in text):
            continue
        lowered = text.lstrip().lower()
        if lowered.startswith("<") or "<html" in lowered or "<!doctype" in lowered:
            raise reject(Reason.HTML)
        raise reject(Reason.TEXT)


def _ffprobe(path: Path, head: bytes, limits: Limits) -> dict:
    argv = [FFPROBE, "-v", "error", "-protocol_whitelist", "file", "-show_format", "-show_streams",
            "-of", "json", ffmpeg_input(path)]
    try:
        completed = subprocess.run(argv, capture_output=True, timeout=limits.probe_timeout, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise reject(Reason.PROBE_TIMEOUT) from None
    errors = completed.stderr.decode("utf-8", "replace")
    if completed.returncode != 0:
        if "moov atom not found" in errors and _looks_like_mp4(head):
            raise reject(Reason.TRUNCATED)
        raise reject(Reason.NOT_MEDIA)
    try:
        return json.loads(completed.stdout or b"{}")
    except ValueError:
        raise reject(Reason.NOT_MEDIA) from None


def _looks_like_mp4(head: bytes) -> bool:
    """An ISO media file starts with a box header: 4 size bytes, then a known box type."""
    return head[4:8] in (b"ftyp", b"mdat", b"free", b"wide", b"skip", b"moov")


def _describe(info: dict, limits: Limits) -> ProbeResult:
    container = (info.get("format") or {}).get("format_name") or ""
    if container in REFUSED_FORMATS:
        raise reject(Reason.NOT_MEDIA)
    streams = info.get("streams") or []
    pictures = [s for s in streams if s.get("codec_type") == "video" and _is_picture(s, container)]
    videos = [s for s in streams if s.get("codec_type") == "video" and s not in pictures]
    audios = [s for s in streams if s.get("codec_type") == "audio"]
    if container in IMAGE_FORMATS or container.endswith("_pipe") or (pictures and not videos and not audios):
        raise reject(Reason.IMAGE)
    if not videos and not audios:
        raise reject(Reason.NO_STREAMS)
    decodable_videos = [s for s in videos if _decodable(s)]
    decodable_audios = [s for s in audios if _decodable(s)]
    if not decodable_videos and not decodable_audios:
        raise reject(Reason.UNDECODABLE)

    duration = _duration(info, decodable_videos + decodable_audios)
    if duration is None:
        raise reject(Reason.NO_DURATION)
    if duration < limits.min_duration:
        raise reject(Reason.TOO_SHORT, min_seconds=_plain_number(limits.min_duration))
    if duration > limits.max_duration:
        raise reject(Reason.TOO_LONG, max_hours=_plain_number(limits.max_duration / 3600))

    audio = decodable_audios[0] if decodable_audios else None
    common = dict(
        duration=duration,
        container=container,
        has_audio=audio is not None,
        audio_codec=audio.get("codec_name") if audio else None,
        audio_channels=int(audio.get("channels") or 0) if audio else 0,
        audio_stream_index=int(audio["index"]) if audio else None,
    )
    if not decodable_videos:
        return ProbeResult(kind="audio", **common)

    video = decodable_videos[0]
    width, height = int(video.get("width") or 0), int(video.get("height") or 0)
    rotation = _rotation(video)
    display_width, display_height = display_size(width, height, _sample_aspect(video), rotation)
    largest = max(width, height, display_width, display_height)
    smallest = min(width, height, display_width, display_height)
    if largest > limits.max_dimension or smallest < limits.min_dimension:
        raise reject(Reason.DIMENSIONS, width=display_width, height=display_height,
                     max_dimension=limits.max_dimension)
    return ProbeResult(
        kind="video", video_codec=video.get("codec_name"), width=width, height=height,
        display_width=display_width, display_height=display_height, rotation=rotation,
        frame_rate=_frame_rate(video), video_stream_index=int(video["index"]), **common,
    )


def _is_picture(stream: dict, container: str) -> bool:
    if (stream.get("disposition") or {}).get("attached_pic"):
        return True  # cover art in an MP3 or M4A
    if stream.get("codec_name") not in IMAGE_CODECS:
        return False
    # Motion JPEG in AVI/MOV is real video (old cameras); a single picture is not.
    frames = stream.get("nb_frames")
    return frames in (None, "N/A", "1", "0") and container not in ("avi", "mov,mp4,m4a,3gp,3g2,mj2", "matroska,webm")


def _decodable(stream: dict) -> bool:
    name = stream.get("codec_name")
    if not name or name == "none":
        return False
    if stream.get("codec_type") == "video":
        return bool(stream.get("width")) and bool(stream.get("height"))
    return bool(stream.get("sample_rate")) and stream.get("sample_rate") != "0"


def _number(value) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) and number > 0 else None


def _duration(info: dict, streams: list[dict]) -> float | None:
    found = _number((info.get("format") or {}).get("duration"))
    if found is None:
        stream_durations = [d for d in (_number(s.get("duration")) for s in streams) if d]
        found = max(stream_durations) if stream_durations else None
    return round(found, 3) if found else None


def _plain_number(value: float) -> str:
    return f"{value:g}"


def _rotation(stream: dict) -> int:
    """Clockwise display rotation, from the display matrix (or the old `rotate` tag).

    ffprobe reports the matrix angle counter-clockwise; the tag is clockwise.
    """
    for side in stream.get("side_data_list") or []:
        if "rotation" in side:
            return int(round(-float(side["rotation"]))) % 360 // 90 * 90
    tag = (stream.get("tags") or {}).get("rotate")
    if tag is not None and str(tag).lstrip("-").isdigit():
        return int(tag) % 360 // 90 * 90
    return 0


def _sample_aspect(stream: dict) -> Fraction:
    raw = stream.get("sample_aspect_ratio") or "1:1"
    try:
        num, den = (int(part) for part in raw.split(":"))
    except ValueError:
        return Fraction(1)
    if num <= 0 or den <= 0:
        return Fraction(1)
    return Fraction(num, den)


def _frame_rate(stream: dict) -> float:
    for key in ("avg_frame_rate", "r_frame_rate"):
        raw = stream.get(key) or "0/0"
        num, _, den = raw.partition("/")
        try:
            rate = float(num) / float(den or 1)
        except (ValueError, ZeroDivisionError):
            continue
        if 0 < rate < 1000:
            return round(rate, 3)
    return 0.0


def display_size(width: int, height: int, sample_aspect: Fraction, rotation: int) -> tuple[int, int]:
    """The picture as the viewer should see it: pixels stretched by the SAR, then turned."""
    display_width = int(round(width * sample_aspect))
    if rotation in (90, 270):
        return height, display_width
    return display_width, height


def _decode_check(path: Path, result: ProbeResult, limits: Limits) -> None:
    """Decode half a second at the start and near the end of the main stream.

    The start proves the codec works; the end proves the data is all there: a
    file cut short keeps a complete index but yields no frames near its end.
    """
    index = result.video_stream_index if result.is_video else result.audio_stream_index
    tail_start = max(0.0, result.duration - 1.0)
    if _decoded_frames(path, index, 0.0, limits) == 0:
        raise reject(Reason.UNDECODABLE)
    if tail_start > 0 and _decoded_frames(path, index, tail_start, limits) == 0:
        raise reject(Reason.TRUNCATED)


def _decoded_frames(path: Path, stream_index: int, start: float, limits: Limits) -> int:
    argv = [FFMPEG, "-nostdin", "-v", "quiet", "-protocol_whitelist", "file"]
    if start:
        argv += ["-ss", f"{start:.3f}"]
    argv += ["-i", ffmpeg_input(path), "-map", f"0:{stream_index}", "-t", "0.5", "-f", "framecrc", "-"]
    try:
        completed = subprocess.run(argv, capture_output=True, timeout=limits.probe_timeout, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        raise reject(Reason.PROBE_TIMEOUT) from None
    return sum(1 for line in completed.stdout.splitlines() if line and not line.startswith(b"#"))
