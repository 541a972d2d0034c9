"""The transcode ladder: one ffmpeg process per source writes every rendition.

plan_ladder(probe) decides the renditions; build_command(...) turns the plan into
one ffmpeg argv (built with ffmpeg-python) that decodes the source once, splits
the picture, scales each branch and encodes all renditions plus the poster;
run_transcode(...) runs it with progress, a timeout and cleanup, then measures
what was written.

Choices, and why:
- H.264 Main profile, yuv420p 8-bit, AAC-LC, MP4 with faststart: plays on the old
  Android phones, TV boxes and village PCs trainers have, and starts playing
  before the download ends. Main rather than Baseline: every device since ~2012
  decodes it, and CABAC + B-frames matter most at 300 kbit/s.
- x264 preset "veryfast": on a 2-core township PC the ladder of a 1080p lecture
  runs faster than realtime; slower presets buy little at these bitrates.
- Bitrate capped with maxrate/bufsize (about one second of buffer) so the 240p
  rendition plus its 64 kbit/s mono audio stays under a 512 kbit/s link.
- A keyframe every 2 s of media time (force_key_frames works for variable frame
  rate phone video, where a GOP counted in frames would not), so seeking is
  quick and a player can switch renditions.
- Output frame rate: the source rate, at most 30 fps, as constant frame rate
  (phone recordings are variable; some players stutter on that).
- Rotation: ffmpeg rotates the decoded picture upright (autorotate is on by
  default), the ladder is computed from display size (rotation and sample aspect
  applied) and every output has square pixels and no rotation metadata.
- Poster: the frame at poster_time(), upright, scaled to fit POSTER_BOX (what a
  phone or the lesson page shows; a 720p JPEG weighed 187 KB, more than the rest
  of the page), JPEG quality POSTER_QUALITY, then re-encoded at lower qualities
  until it is under POSTER_BUDGET bytes (a busy frame at 512 kbit/s is still
  under half a second).
"""
from __future__ import annotations

import json
import os
import queue
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable


from app.core.storage import Storage
from app.media.probe import FFMPEG, FFPROBE, ProbeResult, ffmpeg_input

X264_PRESET = "veryfast"
KEYFRAME_SECONDS = 2
MAX_FRAME_RATE = 30
AUDIO_SAMPLE_RATE = 44100
POSTER_FILENAME = "poster.jpg"
POSTER_BOX = 640  # neither side larger, aspect kept, never enlarged
POSTER_QUALITY = 5  # mjpeg qscale: 2 best .. 31 worst; 5 is about JPEG quality 80
POSTER_BUDGET = 28 * 1024
POSTER_FALLBACK_QUALITIES = (8, 12, 18, 25, 31)
AUDIO_FILENAME = "audio.m4a"
# A source whose short side is at least this share of a rung gets that rung at its own size
# (a 1280x714 screen recording still gets "720p"), never larger than the source.
NEAR_RUNG_SHARE = 0.9


@dataclass(frozen=True)
class Rung:
    short_side: int
    video_kbps: int
    audio_kbps: int
    audio_channels: int
    level: str


LADDER = (
    Rung(240, 300, 64, 1, "3.0"),
    Rung(360, 600, 96, 2, "3.0"),
    Rung(720, 1500, 128, 2, "3.1"),
)


@dataclass(frozen=True)
class Rendition:
    """One planned output. Width and height are 0 for the audio rendition."""
    label: str
    filename: str
    width: int
    height: int
    video_kbps: int
    maxrate_kbps: int
    bufsize_kbps: int
    audio_kbps: int
    audio_channels: int
    level: str = "3.0"

    @property
    def is_audio_only(self) -> bool:
        return self.width == 0


@dataclass(frozen=True)
class RenditionFile:
    """One written output, measured with ffprobe."""
    label: str
    filename: str
    path: Path
    width: int
    height: int
    bitrate: int  # bit/s, whole file
    size: int  # bytes
    duration: float


@dataclass
class TranscodeResult:
    renditions: list[RenditionFile]
    poster: Path | None
    duration: float
    elapsed: float = 0.0
    argv: list[str] = field(default_factory=list)


class TranscodeFailed(Exception):
    """ffmpeg could not finish. `message` is Chinese text for the trainer.

    `retryable` is True when the failure may not be the file's fault (the process
    was killed by a signal, e.g. out of memory); the job layer retries those a
    bounded number of times and fails the rest at once.
    """

    def __init__(self, code: str, message: str, stderr_tail: str = "", retryable: bool = False):
        super().__init__(message)
        self.code = code
        self.message = message
        self.stderr_tail = stderr_tail
        self.retryable = retryable


FAILURE_MESSAGES_ZH = {
    "ffmpeg_error": "转码失败：文件中的音视频数据已损坏或无法处理。",
    "incomplete_output": "转码失败：只转换出了部分内容，原文件可能已损坏。",
    "timeout": "转码超时：处理时间超过 {minutes} 分钟，已停止。",
    "stalled": "转码失去响应（{seconds} 秒没有进展），已停止。",
    "killed": "转码进程意外退出（可能是文件损坏或服务器资源不足）。",
}


def _even_down(value: float) -> int:
    return max(2, int(value) // 2 * 2)


def _even_nearest(value: float) -> int:
    return max(2, int(round(value / 2)) * 2)


def plan_ladder(probe: ProbeResult) -> list[Rendition]:
    """The renditions for this source, smallest first; never larger than the source."""
    if not probe.is_video:
        return [Rendition(label="audio", filename=AUDIO_FILENAME, width=0, height=0, video_kbps=0,
                          maxrate_kbps=0, bufsize_kbps=0, audio_kbps=64, audio_channels=1)]
    portrait = probe.display_height > probe.display_width
    short = min(probe.display_width, probe.display_height)
    long = max(probe.display_width, probe.display_height)
    source_channels = max(1, min(2, probe.audio_channels or 1))

    def rendition(rung: Rung, out_short: int, out_long: int, label: str) -> Rendition:
        # Fewer pixels than the rung (sub-240p or near-rung sources) need fewer bits.
        widescreen_pixels = rung.short_side * _even_nearest(rung.short_side * 16 / 9)
        share = min(1.0, out_short * out_long / widescreen_pixels)
        video = max(int(rung.video_kbps * share), rung.video_kbps * 2 // 5)
        width, height = (out_short, out_long) if portrait else (out_long, out_short)
        return Rendition(label=label, filename=f"{label}.mp4", width=width, height=height,
                         video_kbps=video, maxrate_kbps=video * 11 // 10, bufsize_kbps=video * 2,
                         audio_kbps=rung.audio_kbps, audio_channels=min(rung.audio_channels, source_channels),
                         level=rung.level)

    plan = []
    for rung in LADDER:
        if short >= rung.short_side:
            out_long = min(_even_nearest(rung.short_side * long / short), _even_down(long))
            plan.append(rendition(rung, rung.short_side, out_long, f"{rung.short_side}p"))
        elif short >= rung.short_side * NEAR_RUNG_SHARE:
            plan.append(rendition(rung, _even_down(short), _even_down(long), f"{rung.short_side}p"))
    if not plan:
        plan.append(rendition(LADDER[0], _even_down(short), _even_down(long), f"{_even_down(short)}p"))
    return plan


def poster_time(duration: float) -> float:
    """A frame a tenth of the way in (past title fades), at most a minute in."""
    return round(min(duration * 0.1, 60.0), 3)


def output_frame_rate(probe: ProbeResult) -> str:
    rate = probe.frame_rate
    if not rate or rate > MAX_FRAME_RATE + 0.5:
        return str(MAX_FRAME_RATE if rate else 25)
    for ntsc in (24000, 30000):
        if abs(rate - ntsc / 1001) < 0.01:
            return f"{ntsc}/1001"
    return f"{rate:g}"


def build_command(source: Path | str, workdir: Path | str, probe: ProbeResult,
                  ladder: list[Rendition] | None = None, *, progress: bool = True) -> list[str]:
    """One ffmpeg argv writing the whole ladder (and the poster) into workdir."""
    import ffmpeg  # deferred: ffmpeg-python and its `future` shims (18 modules) load only to build a transcode

    ladder = ladder if ladder is not None else plan_ladder(probe)
    workdir = Path(workdir)
    global_args = ["-nostdin", "-hide_banner", "-v", "error", "-y"]
    if progress:
        global_args += ["-progress", "pipe:1", "-nostats"]
    source_node = ffmpeg.input(ffmpeg_input(source), protocol_whitelist="file")
    audio = source_node[str(probe.audio_stream_index)] if probe.has_audio else None

    def target(filename: str) -> str:
        return ffmpeg_input(workdir / filename)

    common = {"map_metadata": -1, "map_chapters": -1}
    if not probe.is_video:
        only = ladder[0]
        output = ffmpeg.output(audio, target(only.filename), format="mp4", movflags="+faststart",
                               **_audio_options(only), **common, vn=None)
        return [FFMPEG, *global_args, *output.compile()[1:]]

    picture = source_node[str(probe.video_stream_index)].filter("fps", fps=output_frame_rate(probe))
    branches = picture.filter_multi_output("split", len(ladder))
    outputs = []
    for index, rendition in enumerate(ladder):
        scaled = (branches[index]
                  .filter("scale", rendition.width, rendition.height, flags="bicubic")
                  .filter("setsar", 1)
                  .filter("format", "yuv420p"))
        if index == len(ladder) - 1:
            # The poster comes from the largest rendition's picture: no extra scaling.
            top = scaled.filter_multi_output("split", 2)
            scaled = top[0]
            at = poster_time(probe.duration)
            still = (top[1].trim(start=at, end=at + 1).setpts("PTS-STARTPTS")
                     .filter("scale", **poster_scale()).filter("setsar", 1))
            outputs.append(ffmpeg.output(still, target(POSTER_FILENAME), format="image2",
                                         **{"frames:v": 1, "q:v": POSTER_QUALITY, "update": 1}, **common))
        streams = [scaled] + ([audio] if audio is not None else [])
        outputs.append(ffmpeg.output(*streams, target(rendition.filename), format="mp4", movflags="+faststart",
                                     **_video_options(rendition), **(_audio_options(rendition) if audio else {}),
                                     **common))
    return [FFMPEG, *global_args, *ffmpeg.merge_outputs(*outputs).compile()[1:]]


def poster_scale() -> dict:
    """ffmpeg scale options: fit inside POSTER_BOX x POSTER_BOX, even sides, never enlarge."""
    return {"w": f"min({POSTER_BOX},iw)", "h": f"min({POSTER_BOX},ih)",
            "force_original_aspect_ratio": "decrease", "force_divisible_by": 2, "flags": "bicubic"}


def fit_poster(poster: Path, budget: int = POSTER_BUDGET) -> None:
    """Re-encode a poster that is over `budget` bytes at lower qualities until it fits."""
    for quality in POSTER_FALLBACK_QUALITIES:
        if poster.stat().st_size <= budget:
            return
        smaller = poster.with_name("ffmpeg-poster-smaller.jpg")
        try:
            subprocess.run([FFMPEG, "-nostdin", "-hide_banner", "-v", "error", "-y", "-protocol_whitelist", "file",
                            "-i", ffmpeg_input(poster), "-frames:v", "1", "-q:v", str(quality),
                            ffmpeg_input(smaller)],
                           check=True, capture_output=True, timeout=60, stdin=subprocess.DEVNULL)
        except (subprocess.CalledProcessError, subprocess.TimeoutExpired):
            # A poster a little over budget is better than none: keep what there is.
            smaller.unlink(missing_ok=True)
            return
        smaller.replace(poster)


def make_poster(video: Path | str, target: Path, at: float) -> None:
    """A poster for an already transcoded rendition (lms media posters): same size and budget."""
    target.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([FFMPEG, "-nostdin", "-hide_banner", "-v", "error", "-y", "-protocol_whitelist", "file",
                    "-ss", f"{at:g}", "-i", ffmpeg_input(video),
                    "-vf", "scale=w='min({0},iw)':h='min({0},ih)':force_original_aspect_ratio=decrease"
                           ":force_divisible_by=2:flags=bicubic,setsar=1".format(POSTER_BOX),
                    "-frames:v", "1", "-q:v", str(POSTER_QUALITY), "-map_metadata", "-1", ffmpeg_input(target)],
                   check=True, capture_output=True, timeout=120, stdin=subprocess.DEVNULL)
    fit_poster(target)


def _video_options(rendition: Rendition) -> dict:
    return {
        "c:v": "libx264", "preset": X264_PRESET, "profile:v": "main", "level:v": rendition.level,
        "pix_fmt": "yuv420p", "b:v": f"{rendition.video_kbps}k", "maxrate": f"{rendition.maxrate_kbps}k",
        "bufsize": f"{rendition.bufsize_kbps}k",
        "force_key_frames": f"expr:gte(t,n_forced*{KEYFRAME_SECONDS})",
        # The picture is already upright: write no display matrix.
        "metadata:s:v:0": "rotate=0",
    }


def _audio_options(rendition: Rendition) -> dict:
    return {"c:a": "aac", "b:a": f"{rendition.audio_kbps}k", "ac": rendition.audio_channels,
            "ar": AUDIO_SAMPLE_RATE}


def default_timeout(duration: float) -> float:
    """Generous: a slow 2-core PC runs the ladder at about realtime; allow 6x plus start-up."""
    return 120.0 + duration * 6


def run_transcode(source: Path | str, workdir: Path | str, probe: ProbeResult,
                  on_progress: Callable[[int], None] | None = None, *, ladder: list[Rendition] | None = None,
                  timeout: float | None = None, stall_timeout: float = 300.0,
                  progress_interval: float = 1.0,
                  on_spawn: Callable[[int | None], None] | None = None) -> TranscodeResult:
    """Transcode `source` into a new folder `workdir` (which must not exist yet).

    On success the folder holds exactly the renditions and the poster. On any
    failure it is removed, so nothing half-written is ever published, and
    TranscodeFailed is raised. `on_progress(percent)` is called with rising whole
    percentages at most every `progress_interval` seconds, and with 100 at the end.
    `on_spawn(pgid)` is told the process group ffmpeg runs in as soon as it starts, and
    None once it has ended (so a crash of this process can be cleaned up after).
    """
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=False)
    ladder = ladder if ladder is not None else plan_ladder(probe)
    argv = build_command(source, workdir, probe, ladder)
    timeout = timeout if timeout is not None else default_timeout(probe.duration)
    started = time.monotonic()
    try:
        _run_with_progress(argv, workdir, probe.duration, on_progress, timeout, stall_timeout, progress_interval,
                           on_spawn)
        renditions = [_measure(workdir / rendition.filename, rendition, probe) for rendition in ladder]
        poster = workdir / POSTER_FILENAME
        if probe.is_video and not _is_nonempty(poster):
            poster.unlink(missing_ok=True)
            poster = None
        elif probe.is_video:
            fit_poster(poster)
        for leftover in workdir.iterdir():
            if leftover.name.startswith("ffmpeg-"):
                leftover.unlink()
    except BaseException:
        shutil.rmtree(workdir, ignore_errors=True)
        raise
    if on_progress:
        on_progress(100)
    return TranscodeResult(renditions=renditions, poster=poster if probe.is_video else None,
                           duration=max(r.duration for r in renditions),
                           elapsed=time.monotonic() - started, argv=argv)


def _is_nonempty(path: Path) -> bool:
    return path.exists() and path.stat().st_size > 0


def _run_with_progress(argv: list[str], workdir: Path, duration: float, on_progress, timeout: float,
                       stall_timeout: float, progress_interval: float, on_spawn=None) -> None:
    stderr_path = workdir / "ffmpeg-stderr.log"
    with stderr_path.open("wb") as stderr:
        # Its own session and process group: a kill reaches all of it, and it outlives a
        # crash of this process, which is why the group is reported (on_spawn) for recovery.
        process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=stderr,
                                   start_new_session=(os.name == "posix"))
    try:
        if on_spawn is not None:
            on_spawn(process.pid if os.name == "posix" else None)
        _follow(process, stderr_path, duration, on_progress, timeout, stall_timeout, progress_interval)
    finally:
        if process.poll() is None:  # on_spawn or the follower failed: never leave ffmpeg behind
            _kill(process)
            process.wait()
        if on_spawn is not None:
            on_spawn(None)


def _follow(process: subprocess.Popen, stderr_path: Path, duration: float, on_progress, timeout: float,
            stall_timeout: float, progress_interval: float) -> None:
    lines: queue.Queue = queue.Queue()
    reader = threading.Thread(target=_pump, args=(process.stdout, lines), daemon=True)
    reader.start()
    started = last_activity = time.monotonic()
    last_percent, last_report = -1, 0.0
    failure = None
    while True:
        try:
            line = lines.get(timeout=0.5)
        except queue.Empty:
            line = ""
        now = time.monotonic()
        if line is None:
            break
        if line:
            last_activity = now
            key, _, value = line.partition("=")
            if key in ("out_time_us", "out_time_ms") and value.strip().isdigit() and duration > 0:
                # Both keys carry microseconds (out_time_ms is misnamed in ffmpeg).
                percent = min(99, int(int(value) / 1_000_000 / duration * 100))
                if on_progress and percent > last_percent and now - last_report >= progress_interval:
                    on_progress(percent)
                    last_percent, last_report = percent, now
        if now - started > timeout:
            failure = ("timeout", {"minutes": max(1, round(timeout / 60))})
        elif now - last_activity > stall_timeout:
            failure = ("stalled", {"seconds": int(stall_timeout)})
        if failure:
            _kill(process)
            break
    returncode = process.wait()
    reader.join(timeout=5)
    stderr_tail = _tail(stderr_path)
    if failure:
        code, values = failure
        raise TranscodeFailed(code, FAILURE_MESSAGES_ZH[code].format(**values), stderr_tail, retryable=False)
    if returncode < 0:
        raise TranscodeFailed("killed", FAILURE_MESSAGES_ZH["killed"], stderr_tail, retryable=True)
    if returncode != 0:
        raise TranscodeFailed("ffmpeg_error", FAILURE_MESSAGES_ZH["ffmpeg_error"], stderr_tail)


def _pump(stream, lines: queue.Queue) -> None:
    for raw in stream:
        lines.put(raw.decode("utf-8", "replace").strip())
    stream.close()
    lines.put(None)


def _kill(process: subprocess.Popen) -> None:
    """Kill ffmpeg and anything it started (it runs in its own process group)."""
    try:
        if os.name == "posix":
            os.killpg(process.pid, signal.SIGKILL)
        else:
            process.kill()
    except ProcessLookupError:
        pass


def _tail(path: Path, limit: int = 2000) -> str:
    if not path.exists():
        return ""
    data = path.read_bytes()[-limit:]
    return data.decode("utf-8", "replace").strip()


def _measure(path: Path, rendition: Rendition, probe: ProbeResult) -> RenditionFile:
    """ffprobe the output: it must exist, carry the expected streams and cover the source."""
    info = ffprobe_json(path) if _is_nonempty(path) else None
    streams = (info or {}).get("streams") or []
    video = next((s for s in streams if s.get("codec_type") == "video"), None)
    fmt = (info or {}).get("format") or {}
    duration = float(fmt.get("duration") or 0)
    complete = info is not None and duration >= probe.duration * 0.8 - 1.0
    if rendition.is_audio_only:
        complete = complete and any(s.get("codec_type") == "audio" for s in streams)
    else:
        complete = complete and video is not None
    if not complete:
        raise TranscodeFailed("incomplete_output", FAILURE_MESSAGES_ZH["incomplete_output"],
                              _tail(path.parent / "ffmpeg-stderr.log"))
    return RenditionFile(label=rendition.label, filename=rendition.filename, path=path,
                         width=int(video["width"]) if video else 0, height=int(video["height"]) if video else 0,
                         bitrate=int(fmt.get("bit_rate") or 0), size=path.stat().st_size, duration=round(duration, 3))


def ffprobe_json(path: Path | str) -> dict | None:
    completed = subprocess.run([FFPROBE, "-v", "error", "-protocol_whitelist", "file", "-show_format",
                                "-show_streams", "-of", "json", ffmpeg_input(path)],
                               capture_output=True, timeout=60, stdin=subprocess.DEVNULL)
    if completed.returncode != 0:
        return None
    return json.loads(completed.stdout or b"{}")


@dataclass
class PublishedLadder:
    """What a job records: storage keys and measurements, no local paths."""
    key_prefix: str
    renditions: list[dict]
    poster_key: str | None
    duration: float


def transcode_and_publish(source: Path | str, probe: ProbeResult, storage: Storage, key_prefix: str,
                          on_progress: Callable[[int], None] | None = None, *,
                          scratch_root: Path | str | None = None, scratch_prefix: str = "lms-transcode-",
                          **options) -> PublishedLadder:
    """Transcode into a private scratch folder, then publish the finished ladder at once.

    Safe to run again after a crash: the scratch folder is new each time and
    put_tree replaces whatever an earlier attempt published under key_prefix.
    `scratch_prefix` names the folder (the job layer names it after the job, so the
    folder of a job whose worker died is found and removed).
    """
    scratch = Path(tempfile.mkdtemp(prefix=scratch_prefix, dir=scratch_root))
    try:
        result = run_transcode(source, scratch / "ladder", probe, on_progress, **options)
        storage.put_tree(scratch / "ladder", key_prefix)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return PublishedLadder(
        key_prefix=key_prefix,
        renditions=[{"label": r.label, "key": f"{key_prefix}/{r.filename}", "width": r.width, "height": r.height,
                     "bitrate": r.bitrate, "size": r.size, "duration": r.duration} for r in result.renditions],
        poster_key=f"{key_prefix}/{POSTER_FILENAME}" if result.poster else None,
        duration=result.duration,
    )
