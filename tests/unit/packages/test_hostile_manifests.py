"""Hostile course.yaml files are refused quickly with a clear Chinese message, by
`lms courses validate` (a real process) and by the browser upload, and change nothing.

The alias bomb: nine levels of nine aliases in 472 bytes expand to 9**9 (387 million) strings;
the old loader took the server to 2.35 GB in two minutes.
"""
from __future__ import annotations

import io
import os
import resource
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.catalog.models import Course
from app.packages.manifest import MAX_YAML_DEPTH, PackageError, load_package
from app.extensions import db
from tests.conftest import csrf_token, login

COURSES = Path(__file__).resolve().parents[3] / "courses"


def alias_bomb() -> str:
    text = "a: &a [lol,lol,lol,lol,lol,lol,lol,lol,lol]\n" + "".join(
        f"{name}: &{name} [{','.join(['*' + previous] * 9)}]\n" for previous, name in zip("abcdefgh", "bcdefghi"))
    text += "# nine levels of aliases: 9**9 strings once expanded".ljust(472 - len(text) - 1, ".") + "\n"
    assert len(text.encode()) == 472
    return text


BASE = (COURSES / "potato-seed-and-yield" / "course.yaml").read_text(encoding="utf-8")
HOSTILE = {
    "alias bomb": (alias_bomb(), "锚点"),
    "one anchor": (BASE.replace("title: ", "title: &t ", 1), "锚点"),
    "merge key": (BASE + "extra: &x {a: 1}\nmore:\n  <<: *x\n", "锚点"),
    "deep nesting": ("slug: " + "[" * 100_000 + "]" * 100_000 + "\n", f"{MAX_YAML_DEPTH}"),
    "number key": (BASE + "1: 2\n", "未知的字段：1"),
    "null key": (BASE + "null: 2\n", "未知的字段：None"),
    "infinite hours": (BASE.replace("credit_hours: 2", "credit_hours: .inf"), "普通数字"),
    "not a number": (BASE.replace("credit_hours: 2", "credit_hours: .nan"), "普通数字"),
    "huge version": (BASE.replace("version: 1", "version: 99999999999999999999999999"), "不能大于"),
}


def _folder(tmp_path: Path, text: str) -> Path:
    folder = tmp_path / "pkg"
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(COURSES / "potato-seed-and-yield", folder)
    (folder / "course.yaml").write_text(text, encoding="utf-8")
    return folder


def _zip(folder: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as bundle:
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                bundle.write(path, path.relative_to(folder).as_posix())
    return buffer.getvalue()


def test_the_base_manifest_is_valid(app, tmp_path):
    assert "credit_hours: 2\n" in BASE and "version: 1\n" in BASE
    assert load_package(_folder(tmp_path, BASE)).slug == "potato-seed-and-yield"


@pytest.mark.parametrize("case", list(HOSTILE))
def test_hostile_manifest_is_refused_quickly_with_a_clear_message(app, tmp_path, case):
    text, expected = HOSTILE[case]
    folder = _folder(tmp_path, text)
    started = time.monotonic()
    with pytest.raises(PackageError) as caught:
        load_package(folder)
    assert time.monotonic() - started < 1
    message = str(caught.value)
    assert expected in message and message.startswith("course.yaml"), message


MEMORY_LIMIT = 1024 ** 3  # address space of the CLI process; the old loader took 2.35 GB


def _limit_memory():  # runs in the child before exec
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def test_cli_validate_refuses_the_alias_bomb_in_bounded_time_and_memory(tmp_path):
    folder = _folder(tmp_path, alias_bomb())
    env = {key: value for key, value in os.environ.items() if not key.startswith("LMS_")}
    env.update(LMS_INSTANCE_PATH=str(tmp_path / "instance"), LMS_MEDIA_ROOT=str(tmp_path / "media"))
    errors_path = tmp_path / "stderr.txt"
    with errors_path.open("wb") as errors:
        process = subprocess.Popen([sys.executable, "-m", "app.cli", "courses", "validate", str(folder)],
                                   env=env, stdout=subprocess.DEVNULL, stderr=errors, preexec_fn=_limit_memory)
    _pid, status, usage = os.wait4(process.pid, 0)  # this child's own CPU time
    process.returncode = os.waitstatus_to_exitcode(status)
    errors = errors_path.read_text(encoding="utf-8")
    assert process.returncode == 1, errors  # not a MemoryError under the 1 GB limit, not a crash
    assert "锚点" in errors and "invalid" in errors, errors
    # Starting the app is most of it (about 6 s of CPU on a loaded machine); the old loader
    # needed 7.5 s and 557 MB for eight levels, and nine times that for nine. (Peak memory is
    # bounded by the limit above: ru_maxrss of a child starts at its parent's at fork.)
    assert usage.ru_utime + usage.ru_stime < 20


@pytest.mark.parametrize("case", ["alias bomb", "deep nesting", "number key", "infinite hours", "huge version"])
def test_browser_upload_refuses_hostile_manifests_and_changes_nothing(client, world, tmp_path, case):
    text, expected = HOSTILE[case]
    login(client, "trainer")
    started = time.monotonic()
    response = client.post("/manage/courses/import", data={
        "file": (io.BytesIO(_zip(_folder(tmp_path, text))), "课程.zip"),
        "csrf_token": csrf_token(client, "/manage/courses/import")}, content_type="multipart/form-data")
    assert time.monotonic() - started < 5
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "课程包未被接受" in html and expected in html
    assert db.session.scalar(select(func.count()).select_from(Course)) == 0
