"""Course packages: validation with file and line, and safe zip extraction."""
from __future__ import annotations

import io
import os
import shutil
import stat
import zipfile
from pathlib import Path

import pytest

from app.packages.manifest import PackageError, extract_zip, load_package

COURSES = Path(__file__).resolve().parents[3] / "courses"
STARTER = sorted(path for path in COURSES.iterdir() if (path / "course.yaml").is_file())


@pytest.fixture
def package(tmp_path):
    folder = tmp_path / "pkg"
    shutil.copytree(COURSES / "potato-seed-and-yield", folder)
    return folder


def _problems(folder) -> list[str]:
    with pytest.raises(PackageError) as caught:
        load_package(folder)
    return [str(problem) for problem in caught.value.problems]


def test_starter_library_has_nine_valid_courses(app):
    assert len(STARTER) >= 9
    categories = set()
    for folder in STARTER:
        package = load_package(folder)
        categories.add(package.category)
        texts = [lesson for lesson in package.lessons if lesson.type == "text"]
        assert 3 <= len(texts) <= 6, package.slug
        assert [lesson.type for lesson in package.lessons].count("quiz") == 1
        assert any(lesson.generate == "title_cards" for lesson in package.lessons)
    assert categories == {"policy", "agri_tech", "market"}


def test_starter_quizzes_parse_without_errors_and_have_explanations(app):
    from app.quiz.formats import parse_bytes

    for folder in STARTER:
        result = parse_bytes((folder / "quiz.gift").read_bytes(), filename="quiz.gift")
        assert result.errors == [] and 8 <= len(result.questions) <= 15, folder.name
        assert all(question.feedback for question in result.questions), folder.name


def test_schema_problems_name_file_and_line(app, package):
    manifest = package / "course.yaml"
    lines = manifest.read_text(encoding="utf-8").splitlines()
    hours_line = next(i for i, line in enumerate(lines, 1) if line.startswith("credit_hours"))
    manifest.write_text("\n".join(
        line.replace("credit_hours: 2", "credit_hours: 2.3") for line in lines) + "\nextra_field: 1\n", encoding="utf-8")
    problems = _problems(package)
    assert any(p.startswith(f"course.yaml:{hours_line}: credit_hours") and "0.5" in p for p in problems)
    assert any("extra_field" in p for p in problems)


def test_yaml_syntax_error_has_line(app, package):
    (package / "course.yaml").write_text("slug: x\ntitle: [unclosed\n", encoding="utf-8")
    problems = _problems(package)
    assert len(problems) == 1 and problems[0].startswith("course.yaml:") and "YAML" in problems[0]


def test_linked_lesson_file_is_refused(app, package, tmp_path):
    text = (package / "course.yaml").read_text(encoding="utf-8")
    first_source = next(line.split(":", 1)[1].strip() for line in text.splitlines() if "source: lessons/" in line)
    (tmp_path / "secret.md").write_text("secret", encoding="utf-8")
    (package / first_source).unlink()
    os.symlink(tmp_path / "secret.md", package / first_source)
    problems = _problems(package)
    assert any(first_source in p and "以外" in p for p in problems)


def test_escaping_and_missing_sources_are_refused(app, package):
    manifest = package / "course.yaml"
    manifest.write_text(manifest.read_text(encoding="utf-8").replace("source: quiz.gift", "source: ../secret.md"),
                        encoding="utf-8")
    assert any("lessons/" in p and "不允许的字符" in p for p in _problems(package))
    manifest.write_text(manifest.read_text(encoding="utf-8").replace("source: ../secret.md", "source: nowhere.gift"),
                        encoding="utf-8")
    assert any("nowhere.gift 不存在" in p for p in _problems(package))


def test_quiz_errors_point_into_the_quiz_file(app, package):
    (package / "quiz.gift").write_text("::Q1:: 没有答案的题 {=}\n", encoding="utf-8")
    problems = _problems(package)
    assert all(p.startswith("quiz.gift") for p in problems) and problems


def _zip(entries: dict[str, bytes], links: dict[str, str] = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as bundle:
        for name, data in entries.items():
            bundle.writestr(name, data)
        for name, target in (links or {}).items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            bundle.writestr(info, target)
    return buffer.getvalue()


def _package_zip(package: Path, prefix: str = "potato/") -> bytes:
    return _zip({prefix + str(path.relative_to(package)): path.read_bytes()
                 for path in package.rglob("*") if path.is_file()})


def test_valid_zip_extracts_to_the_package_folder(app, package, tmp_path):
    archive = tmp_path / "course.zip"
    archive.write_bytes(_package_zip(package))
    root = extract_zip(archive, tmp_path / "out")
    assert load_package(root).slug == "potato-seed-and-yield"


@pytest.mark.parametrize("entries, links, reason", [
    ({"course.yaml": b"x", "../evil.txt": b"x"}, None, "外"),
    ({"course.yaml": b"x", "/etc/evil": b"x"}, None, "绝对路径"),
    ({"course.yaml": b"x"}, {"lessons/link.md": "/etc/passwd"}, "链接"),
    ({"course.yaml": b"x", "big.bin": b"\0" * (60 * 1024 * 1024)}, None, "数据"),
    ({f"f{i}.md": b"" for i in range(10_000)}, None, "10000"),
], ids=["traversal", "absolute", "symlink", "bomb", "10000-files"])
def test_malicious_zips_are_refused_with_nothing_written(app, tmp_path, entries, links, reason):
    archive = tmp_path / "evil.zip"
    archive.write_bytes(_zip(entries, links))
    destination = tmp_path / "out"
    with pytest.raises(PackageError) as caught:
        extract_zip(archive, destination)
    assert any(reason in str(problem) for problem in caught.value.problems), caught.value.problems
    assert not destination.exists() or not any(destination.rglob("*"))
    assert not (tmp_path / "evil.txt").exists()


def test_not_a_zip(app, tmp_path):
    archive = tmp_path / "junk.zip"
    archive.write_bytes(os.urandom(2048))
    with pytest.raises(PackageError):
        extract_zip(archive, tmp_path / "out")
