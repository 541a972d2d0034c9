"""Start-up: `lms --help`, `lms serve` to its first page, idle memory; beside a bare Flask app.

    .venv/bin/python bench/bench_startup.py
    LMS_BENCH_RUNS=3 .venv/bin/python bench/bench_startup.py

One SQLite installation is made first (`lms init` in a temporary folder). Then, after one
uncounted round that fills the bytecode cache (kept in that folder: an installed package has its
bytecode compiled), LMS_BENCH_RUNS times (default 5), alternating the two apps so that the
machine's drifting load hits both alike:

- `lms --help`: wall time of the whole process (interpreter start included);
- `lms serve --port P` (as deployed: waitress plus the embedded job consumer): wall time from
  starting the process to the first answered GET /login (polled every 5 ms on 127.0.0.1);
- idle memory: LMS_BENCH_IDLE_SECONDS (default 2) after that first page, the sum of Pss over
  the server's process tree, read from /proc/<pid>/smaps_rollup (shared pages counted once).

The bare app is a one-route Flask app in the same layout: a FlaskGroup command line with a
`serve` command that runs the same waitress, started by the same interpreter; its --help and
first page (GET /, one line of text) are the floor any Flask app on this machine pays.
Prints the median of the runs beside the targets (0.5 s, 0.8 s, 80 MiB) and beside Kolibri's
figures measured on this machine (first page 0.92 s, idle 110 MiB; not measured here).
Figures taken while other work runs on the machine are noisy: the bare app's column shows how
much of a figure is the machine's own speed at that moment.
"""
from __future__ import annotations

import http.client
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNS = int(os.environ.get("LMS_BENCH_RUNS", "5"))
IDLE_SECONDS = float(os.environ.get("LMS_BENCH_IDLE_SECONDS", "2"))
TARGETS = {"help": 0.5, "first_page": 0.8, "idle_mib": 80.0}
KOLIBRI = {"help": None, "first_page": 0.92, "idle_mib": 110.0}
PYTHON = sys.executable
LMS = str(Path(sys.executable).parent / "lms")

BARE_APP = '''
import click
from flask import Flask
from flask.cli import FlaskGroup


def create_app():
    app = Flask(__name__)
    app.add_url_rule("/", "index", lambda: "bare Flask app")
    return app


@click.group(cls=FlaskGroup, create_app=create_app, add_version_option=False, load_dotenv=False)
def main():
    """A bare Flask app."""


@main.command("serve")
@click.option("--port", type=int, required=True)
def serve(port):
    """Serve the app with waitress."""
    from flask import current_app
    from waitress import serve as waitress_serve

    waitress_serve(current_app._get_current_object(), host="127.0.0.1", port=port, threads=8)


if __name__ == "__main__":
    main()
'''


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def timed_run(command: list[str], env: dict) -> float:
    started = time.perf_counter()
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL, timeout=120)
    return time.perf_counter() - started


def first_answer(port: int, path: str, started: float, process: subprocess.Popen) -> float:
    """Seconds from `started` to the first 200 answer on path."""
    deadline = started + 60
    while time.perf_counter() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the server exited with {process.returncode} before answering")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
            connection.request("GET", path)
            response = connection.getresponse()
            response.read()
            connection.close()
            if response.status == 200:
                return time.perf_counter() - started
            raise SystemExit(f"GET {path} answered {response.status}")
        except (ConnectionRefusedError, ConnectionResetError):
            time.sleep(0.005)
    raise SystemExit(f"no answer on {path} within 60 s")


def process_tree(pid: int) -> list[int]:
    """pid and all its descendants (from /proc/<pid>/stat's parent field)."""
    parents = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parents[int(entry.name)] = int(fields[1])
    tree, frontier = [pid], [pid]
    while frontier:
        children = [child for child, parent in parents.items() if parent in frontier]
        tree += children
        frontier = children
    return tree


def tree_pss_mib(pid: int) -> float:
    total_kib = 0
    for member in process_tree(pid):
        try:
            for line in Path(f"/proc/{member}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total_kib += int(line.split()[1])
        except OSError:
            continue
    return total_kib / 1024


def serve_once(command: list[str], port: int, path: str, env: dict, log: Path) -> tuple[float, float]:
    started = time.perf_counter()
    process = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=open(log, "a"))
    try:
        seconds = first_answer(port, path, started, process)
        time.sleep(IDLE_SECONDS)
        return seconds, tree_pss_mib(process.pid)
    finally:
        process.terminate()
        process.wait(timeout=30)


def python_env(workdir: Path, **extra: str) -> dict:
    """The environment of an installed app: bytecode is cached (pip compiles an installed package;
    the cache here lives in the bench's folder), whatever PYTHONDONTWRITEBYTECODE says."""
    env = dict(os.environ, PYTHONPYCACHEPREFIX=str(workdir / "pycache"), **extra)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def install(workdir: Path) -> dict:
    env = python_env(workdir, PYTHONPATH=str(ROOT), LMS_INSTANCE_PATH=str(workdir / "instance"),
                     LMS_MEDIA_ROOT=str(workdir / "media"))
    env.pop("LMS_DATABASE_URL", None)  # SQLite in the instance folder, the one-machine default
    env.pop("LMS_REDIS_URL", None)
    subprocess.run([LMS, "init", "--admin", "bench-admin", "--password", "bench-admin-pass-1"], env=env, check=True,
                   stdout=subprocess.DEVNULL, timeout=300)
    return env


def measure(workdir: Path) -> dict:
    env = install(workdir)
    bare = workdir / "bare_app.py"
    bare.write_text(BARE_APP)
    bare_env = python_env(workdir, PYTHONPATH=str(workdir))
    log = workdir / "serve.log"
    samples = {name: {"help": [], "first_page": [], "idle_mib": []} for name in ("lms", "bare")}
    # A first round fills the bytecode cache (as installing does) and is not counted.
    for run in range(RUNS + 1):
        counted = run > 0
        figures = {"lms": {"help": timed_run([LMS, "--help"], env)},
                   "bare": {"help": timed_run([PYTHON, str(bare), "--help"], bare_env)}}
        port = free_port()
        figures["lms"]["first_page"], figures["lms"]["idle_mib"] = serve_once(
            [LMS, "serve", "--port", str(port)], port, "/login", env, log)
        port = free_port()
        figures["bare"]["first_page"], figures["bare"]["idle_mib"] = serve_once(
            [PYTHON, str(bare), "serve", "--port", str(port)], port, "/", bare_env, log)
        if counted:
            for name, values in figures.items():
                for key, value in values.items():
                    samples[name][key].append(value)
    if "Traceback" in log.read_text():
        print(f"server errors logged:\n{log.read_text()[-3000:]}")
    return samples


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="lms-startup-") as workdir:
        samples = measure(Path(workdir))
    print(f"median of {RUNS} runs, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} "
          f"(figures are noisy while other work runs on the machine)")
    print(f"{'':<34} {'lms':>9} {'target':>9} {'met':>4} {'bare':>9} {'Kolibri':>9}")
    rows = (("`lms --help` wall time", "help", "s"), ("`lms serve` start to first page", "first_page", "s"),
            ("idle PSS of the process tree", "idle_mib", "MiB"))
    for label, key, unit in rows:
        lms = statistics.median(samples["lms"][key])
        bare = statistics.median(samples["bare"][key])
        kolibri = f"{KOLIBRI[key]:.2f}" if KOLIBRI[key] is not None else "-"
        met = "yes" if lms < TARGETS[key] else "NO"
        print(f"{label + ' (' + unit + ')':<34} {lms:>9.2f} {'< ' + format(TARGETS[key], 'g'):>9} {met:>4} "
              f"{bare:>9.2f} {kolibri:>9}")
    spread = {key: (min(samples["lms"][key]), max(samples["lms"][key])) for _, key, _ in rows}
    print("lms min-max: " + ", ".join(f"{key} {low:.2f}-{high:.2f}" for key, (low, high) in spread.items()))


if __name__ == "__main__":
    main()
