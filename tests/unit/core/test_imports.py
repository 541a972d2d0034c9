"""Imports sit at the top of a module. An import inside a function is allowed only where a cost
is avoided on purpose (a heavy library, `lms --help` not loading the domains), and says so with
a trailing `# deferred: <reason>` comment on the import line. Imports that only dodged import
cycles were removed by fixing the layering (the layer contract is in pyproject.toml)."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

APP_DIR = Path(__file__).resolve().parents[3] / "app"
MARK = "# deferred:"

# Function-local imports still dodging a cycle, to be removed (never added to). Each entry is
# "path:imported module".
KNOWN_CYCLES = {
    # media.tasks declares the transcode job against services; services starts that job.
    "app/media/services.py:app.media.tasks",
}


def function_local_imports(path: Path) -> list[tuple[int, str, str]]:
    """(line, imported module, the import's source lines) of every import inside a function."""
    source = path.read_text(encoding="utf-8")
    lines = source.splitlines()
    found: dict[int, tuple[int, str, str]] = {}
    for function in ast.walk(ast.parse(source, filename=str(path))):
        if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            continue
        for node in ast.walk(function):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                module = node.module if isinstance(node, ast.ImportFrom) else node.names[0].name
                text = "\n".join(lines[node.lineno - 1:node.end_lineno])
                found[node.lineno] = (node.lineno, module or "", text)
    return sorted(found.values())


def undeclared_imports(app_dir: Path) -> list[str]:
    """Function-local imports without the `# deferred:` reason, as "path:line: source"."""
    root = app_dir.parent
    problems = []
    for path in sorted(app_dir.rglob("*.py")):
        for line, module, text in function_local_imports(path):
            first, last = text.splitlines()[0], text.splitlines()[-1]
            if MARK in first or MARK in last:
                reason = (first if MARK in first else last).split(MARK, 1)[1].strip()
                if reason:
                    continue
            if f"{path.relative_to(root)}:{module}" in KNOWN_CYCLES:
                continue
            problems.append(f"{path.relative_to(root)}:{line}: {first.strip()}")
    return problems


def test_every_function_local_import_says_why_it_is_deferred():
    assert undeclared_imports(APP_DIR) == []


def test_known_cycles_are_still_there():
    """An entry whose import is gone is removed from the list, so the list only shrinks."""
    root = APP_DIR.parent
    present = {f"{path.relative_to(root)}:{module}"
               for path in APP_DIR.rglob("*.py") for _, module, _ in function_local_imports(path)}
    assert KNOWN_CYCLES <= present


@pytest.mark.parametrize("source, expected", [
    ("import os\n\ndef f():\n    import json\n    return json\n", ["app/m.py:4: import json"]),
    ("def f():\n    import openpyxl  # deferred: slow to import\n", []),
    ("def f():\n    import openpyxl  # deferred:\n", ["app/m.py:2: import openpyxl  # deferred:"]),
    ("def f():\n    from app.x import (\n        a,\n        b,\n    )\n", ["app/m.py:2: from app.x import ("]),
    ("class C:\n    def m(self):\n        def inner():\n            from app.y import z\n", ["app/m.py:4: from app.y import z"]),
    ("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from app.x import a\n", []),
])
def test_the_check_finds_undeclared_imports(tmp_path, source, expected):
    app_dir = tmp_path / "app"
    app_dir.mkdir()
    (app_dir / "m.py").write_text(source, encoding="utf-8")
    assert undeclared_imports(app_dir) == expected
