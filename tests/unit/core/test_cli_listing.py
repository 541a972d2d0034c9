"""`lms --help` lists every command without building the app; start-up leaves heavy libraries unloaded."""
import json
import os
import subprocess
import sys
from importlib import metadata
from pathlib import Path

from click.utils import make_default_short_help

from app.cli import COMMAND_SUMMARIES, main

ROOT = Path(__file__).resolve().parents[3]
# Libraries that cost tenths of a second (or tens of MiB) to import and that a start-up must not pay for.
START_UP_FREE = ("pypinyin", "openpyxl", "matplotlib", "numpy", "playwright")
# What `lms --help` must not load either: it builds no app.
HELP_FREE = START_UP_FREE + ("sqlalchemy", "flask_sqlalchemy", "alembic", "huey", "flask_smorest", "marshmallow",
                             "app.extensions")


def _loaded_modules(code: str, cwd: Path) -> tuple[set[str], str]:
    """Run `code` in a fresh interpreter; return the modules it imported (not those marked absent)."""
    script = code + "\nimport json, sys\nprint('MODULES ' + json.dumps(sorted(name for name, module in sys.modules.items() if module is not None)))\n"
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=cwd, timeout=120,
                            env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert result.returncode == 0, result.stderr
    line = next(line for line in result.stdout.splitlines() if line.startswith("MODULES "))
    return set(json.loads(line[len("MODULES "):])), result.stdout


def test_listing_names_every_real_command_with_its_own_summary(app):
    plugins = {entry.name: entry.load() for entry in metadata.entry_points(group="flask.commands")}
    real = {**main.commands, **plugins, **app.cli.commands}
    assert set(COMMAND_SUMMARIES) == set(real)
    for name, command in real.items():
        assert make_default_short_help(COMMAND_SUMMARIES[name], 1000) == command.get_short_help_str(1000), name


def test_help_lists_commands_without_building_the_app(tmp_path):
    modules, output = _loaded_modules(
        "from app.cli import main\ntry:\n    main(['--help'], prog_name='lms')\nexcept SystemExit as stop:\n"
        "    assert stop.code == 0, stop.code\n", tmp_path)
    assert "serve" in output and "Serve the app with waitress" in output and "members" in output
    assert sorted(name for name in HELP_FREE if name in modules) == []
    assert not (tmp_path / "instance").exists()  # no app was built, so no instance folder either


def test_app_serves_its_first_page_without_the_heavy_libraries(tmp_path):
    modules, output = _loaded_modules(
        "from app import create_app\n"
        f"app = create_app({{'INSTANCE_PATH': {str(tmp_path / 'instance')!r}, 'MEDIA_ROOT': {str(tmp_path / 'media')!r},"
        f" 'SQLALCHEMY_DATABASE_URI': 'sqlite:///{tmp_path}/lms.sqlite3', 'SECRET_KEY': 'test'}})\n"
        "response = app.test_client().get('/login')\nprint('STATUS', response.status_code)\n", tmp_path)
    assert "STATUS 200" in output
    assert sorted(name for name in START_UP_FREE if name in modules) == []
    assert "alembic" not in modules  # only what migrates attaches Flask-Migrate (app.init_migrations)


def test_the_server_command_loads_neither_alembic_nor_drivers_its_configuration_does_not_use(tmp_path):
    code = ("import os\nos.environ['LMS_INSTANCE_PATH'] = {path!r}\nos.environ.pop('LMS_DATABASE_URL', None)\n"
            "os.environ.pop('LMS_REDIS_URL', None)\nfrom app.cli import main\ntry:\n"
            "    main(['serve', '--help'], prog_name='lms')\nexcept SystemExit as stop:\n"
            "    assert stop.code == 0, stop.code\n").format(path=str(tmp_path / "instance"))
    modules, output = _loaded_modules(code, tmp_path)
    assert "--no-jobs" in output
    assert "huey" in modules and "app.extensions" in modules  # the app was built for the command
    assert sorted(name for name in ("alembic", "flask_migrate", "psycopg", "psycopg2", "redis") if name in modules) == []


def test_db_commands_still_have_alembic(tmp_path):
    result = subprocess.run([sys.executable, "-m", "app.cli", "db", "heads"], capture_output=True, text=True,
                            cwd=tmp_path, timeout=120,
                            env=dict(os.environ, PYTHONPATH=str(ROOT), LMS_INSTANCE_PATH=str(tmp_path / "instance")))
    assert result.returncode == 0, result.stderr
    assert "(head)" in result.stdout
