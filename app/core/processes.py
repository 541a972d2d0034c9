"""Which process runs a job, whether it still lives, and stopping what a dead one left running.

A worker is named by a token "host|boot|pidns|pid|start": the machine, the boot it runs in,
its process-id namespace (containers on one kernel have their own), its process id and the
moment the kernel started it. Process ids are reused, a (pid, start) pair within one boot is
not, so in the same machine and namespace a token answers "alive or dead" exactly. Anywhere
else it answers nothing (None): there only the job's heartbeat can tell.

A child process group (ffmpeg runs in its own session) is named "pgid|start" the same way, so
recovery never signals an unrelated group that happens to reuse the number.
Linux answers through /proc; elsewhere (a Windows township PC) liveness is unknown (None)
and recovery falls back on the heartbeat alone.
"""
from __future__ import annotations

import os
import signal
import socket
from functools import cache
from pathlib import Path

PROC = Path("/proc")


def process_start(pid: int) -> str | None:
    """The kernel's start time of `pid` (clock ticks since boot), None if there is no such process."""
    try:
        stat = (PROC / str(pid) / "stat").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError, OSError):
        return None
    # The command name (field 2) is in parentheses and may hold spaces: split after it.
    fields = stat.rsplit(")", 1)[-1].split()
    if len(fields) < 20 or fields[0] == "Z":  # a zombie has finished
        return None
    return fields[19]


@cache
def _boot_id() -> str:
    try:
        return (PROC / "sys/kernel/random/boot_id").read_text().strip()[:8]
    except OSError:
        return "-"


@cache
def _pid_namespace() -> str:
    try:
        return os.readlink(PROC / "self/ns/pid").strip("pid:[]")
    except OSError:
        return "-"


def _host() -> str:
    return socket.gethostname()[:60]


def can_tell() -> bool:
    return (PROC / "self" / "stat").exists()


def current_worker() -> str:
    """This process's token."""
    pid = os.getpid()
    return f"{_host()}|{_boot_id()}|{_pid_namespace()}|{pid}|{process_start(pid) or '-'}"


def worker_alive(token: str | None) -> bool | None:
    """True or False when `token` names a process of this machine, None when it cannot be told."""
    parts = (token or "").split("|")
    if len(parts) != 5 or parts[0] != _host() or not can_tell():
        return None
    _, boot, namespace, pid, start = parts
    if boot != _boot_id():
        return False  # the machine restarted since
    if namespace != _pid_namespace() or not pid.isdigit() or start == "-":
        return None
    return process_start(int(pid)) == start


def group_token(pgid: int) -> str:
    return f"{pgid}|{process_start(pgid) or '-'}"


def kill_group(token: str | None) -> bool:
    """SIGKILL the process group named by `token` if its leader is still the same process.
    True when a signal was sent."""
    parts = (token or "").split("|")
    if len(parts) != 2 or not parts[0].isdigit() or os.name != "posix" or not can_tell():
        return False
    pgid, start = int(parts[0]), parts[1]
    if start == "-" or process_start(pgid) != start:
        return False
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        return False
    return True
