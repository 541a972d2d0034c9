"""A real Learning Record Store for tests: Ralph's LRS (ralph-malph, a [test] dependency) with its
file backend, HTTP Basic authentication and a private folder, started as a process on a free port.

Run as a script, this file is that process: Ralph's own app under uvicorn. One default is changed:
Ralph 5.1's file backend creates its file on the first write and refuses every later one (its
default operation is "create"), so the LRS appends instead; everything a client meets (auth,
validation, conflicts, queries) is Ralph's."""
from __future__ import annotations

import base64
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

USER = "county-lrs"
PASSWORD = "lrs-test-password"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RalphLRS:
    def __init__(self, folder: Path):
        self.folder = folder
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}/xAPI/statements"
        ralph = Path(sys.executable).with_name("ralph")
        env = {**os.environ, "RALPH_APP_DIR": str(folder), "RALPH_AUTH_FILE": str(folder / "auth.json"),
               "RALPH_RUNSERVER_BACKEND": "fs", "RALPH_RUNSERVER_MAX_SEARCH_HITS_COUNT": "1000"}
        subprocess.run([str(ralph), "auth", "-u", USER, "-p", PASSWORD, "-s", "all", "-M",
                        "mailto:lrs@county.example", "-w"], env=env, check=True, capture_output=True, timeout=120)
        self.log = (folder / "ralph.log").open("wb")
        # -P: this folder (tests/) holds a package named "http", which must not shadow the standard one.
        (folder / "data").mkdir()
        env["RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH"] = str(folder / "data")
        self.process = subprocess.Popen([sys.executable, "-P", __file__, str(self.port)], env=env, stdout=self.log,
                                        stderr=subprocess.STDOUT)
        self._wait_until_up()

    def _headers(self) -> dict:
        credentials = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
        return {"Authorization": f"Basic {credentials}", "X-Experience-API-Version": "1.0.3"}

    def _wait_until_up(self, seconds: float = 90) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"Ralph's LRS stopped: {(self.folder / 'ralph.log').read_text(errors='replace')}")
            try:
                self.statements()
                return
            except (urllib.error.URLError, OSError):
                time.sleep(0.3)
        raise RuntimeError("Ralph's LRS did not answer")

    def statements(self) -> list[dict]:
        """Every statement the LRS stored (one page is enough for a test's few hundred)."""
        request = urllib.request.Request(f"{self.url}?limit=1000", headers=self._headers())
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())["statements"]

    def post(self, statement: dict) -> int:
        request = urllib.request.Request(self.url, data=json.dumps(statement).encode(), method="POST",
                                         headers={**self._headers(), "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code

    def close(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


if __name__ == "__main__":
    import uvicorn
    from ralph.backends.data.base import BaseOperationType
    from ralph.backends.lrs.fs import FSLRSBackend

    FSLRSBackend.default_operation_type = BaseOperationType.APPEND
    uvicorn.run("ralph.api:app", host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
