"""Transcode ladder: our pipeline against bare ffmpeg, and one process against three.

    .venv/bin/python bench/bench_transcode.py
    LMS_BENCH_SECONDS=20 LMS_BENCH_REPEAT=3 .venv/bin/python bench/bench_transcode.py

Generates a 1080p30 H.264 + AAC source with lavfi (testsrc2 has moving parts,
plus a sine tone), 60 s by default, then times:
  (a) the pipeline: probe() + run_transcode() with progress parsing, output checks;
  (b) bare ffmpeg running the identical argv, without -progress and without our wrapper;
  (c) three separate ffmpeg runs, one rendition each (each decodes the source again).
Prints wall times and:
  a / b               target <= 1.10 (the wrapper costs next to nothing)
  c / a               target clearly > 1 (decoding once pays)
  realtime factor     source seconds per pipeline second
Every figure is the fastest of LMS_BENCH_REPEAT runs (default 2, a and b interleaved).
No database.
"""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.media.probe import probe  # noqa: E402
from app.media.transcode import build_command, plan_ladder, run_transcode  # noqa: E402

SECONDS = float(os.environ.get("LMS_BENCH_SECONDS", "60"))
REPEAT = int(os.environ.get("LMS_BENCH_REPEAT", "2"))


def make_source(folder: Path) -> Path:
    path = folder / "source-1080p.mp4"
    subprocess.run(["ffmpeg", "-nostdin", "-v", "error", "-y",
                    "-f", "lavfi", "-i", f"testsrc2=size=1920x1080:rate=30:duration={SECONDS}",
                    "-f", "lavfi", "-i", f"sine=frequency=300:beep_factor=4:duration={SECONDS}",
                    "-c:v", "libx264", "-preset", "veryfast", "-crf", "23", "-pix_fmt", "yuv420p",
                    "-c:a", "aac", "-b:a", "128k", "-ac", "2", "-movflags", "+faststart", str(path)], check=True)
    return path


def timed(run) -> float:
    started = time.perf_counter()
    run()
    return time.perf_counter() - started


def main() -> None:
    scratch = Path(tempfile.mkdtemp(prefix="lms-bench-transcode-"))
    try:
        print(f"generating a {SECONDS:g} s 1920x1080 source ...", flush=True)
        source = make_source(scratch)
        source_probe = probe(source)
        ladder = plan_ladder(source_probe)
        print(f"source: {source.stat().st_size / 1e6:.1f} MB, ladder: "
              + ", ".join(f"{r.label} {r.width}x{r.height} {r.video_kbps}k" for r in ladder))

        def fresh(name: str) -> Path:
            target = scratch / name
            shutil.rmtree(target, ignore_errors=True)
            return target

        def bare():
            out = fresh("bare")
            out.mkdir()
            subprocess.run(build_command(source, out, source_probe, ladder, progress=False), check=True)

        def pipeline():
            result = run_transcode(source, fresh("pipeline"), probe(source), lambda percent: None)
            assert [r.label for r in result.renditions] == [r.label for r in ladder]

        def separate():
            for rendition in ladder:
                out = fresh(f"single-{rendition.label}")
                out.mkdir()
                subprocess.run(build_command(source, out, source_probe, [rendition], progress=False), check=True)

        # Interleaved, so load from other processes on the machine hits both alike.
        bare_runs, pipeline_runs = [], []
        for _ in range(REPEAT):
            bare_runs.append(timed(bare))
            pipeline_runs.append(timed(pipeline))
        bare_seconds, pipeline_seconds = min(bare_runs), min(pipeline_runs)
        separate_seconds = min(timed(separate) for _ in range(REPEAT))
        print(f"(a) pipeline (probe + run_transcode): {pipeline_seconds:7.2f} s")
        print(f"(b) bare ffmpeg, identical argv:      {bare_seconds:7.2f} s")
        print(f"(c) three separate encodes:           {separate_seconds:7.2f} s")
        print(f"a / b = {pipeline_seconds / bare_seconds:.3f}   (target <= 1.10)")
        print(f"c / a = {separate_seconds / pipeline_seconds:.3f}   (target clearly > 1)")
        print(f"realtime factor = {SECONDS / pipeline_seconds:.2f}x   (source seconds per pipeline second)")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
