"""Round trip of a Moodle XML corpus holding every question type, cloze (HTML and plain), the
shortanswer catch-all, images old (1.9 <image_base64>) and new, and audio made by ffmpeg:
import, export, import again gives the same questions, in the formats alone and through a bank
(stored images and audio included)."""
from __future__ import annotations

import base64
import dataclasses
import subprocess
from urllib.parse import quote

import pytest

from app.extensions import db
from app.quiz import services
from app.quiz.formats import QUESTION_TYPES, export, parse_bytes
from app.quiz.formats.richtext import PLACEHOLDER_PREFIX

from .helpers import PNG, data_file


@pytest.fixture(scope="module")
def mp3(tmp_path_factory) -> bytes:
    path = tmp_path_factory.mktemp("audio") / "speech.mp3"
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", "sine=frequency=330:duration=1",
                    "-c:a", "libmp3lame", "-b:a", "32k", "-y", str(path)], check=True)
    return path.read_bytes()


@pytest.fixture(scope="module")
def corpus(mp3) -> bytes:
    return data_file("corpus_every_type.xml").replace(b"AUDIO_BASE64", base64.b64encode(mp3))


@pytest.fixture(scope="module")
def first(corpus):
    result = parse_bytes(corpus, filename="corpus.xml")
    assert result.errors == []
    return result.questions


def test_the_corpus_reads_as_moodle_reads_it(first, mp3):
    assert {question.type for question in first} == set(QUESTION_TYPES)
    by_title = {question.title: question for question in first}
    assert [(a.text, a.feedback) for a in by_title["填空带其他答案"].answers][-1] == ("*", "想一想党章第十条")
    assert by_title["区分大小写"].case_sensitive and not by_title["填空带其他答案"].case_sensitive
    cloze = by_title["完形填空"]
    assert cloze.points == 6.0 and len(cloze.blanks) == 5 and cloze.text.startswith("中共一大在{#1}召开")
    assert [a.text for a in cloze.blanks[4].answers] == ["a}b", "c~d", "<e> & f"]
    assert by_title["纯文本完形"].text == "晚疫病由{#1}引起。" and by_title["纯文本完形"].points == 1.0
    assert [(i.name, i.mime, i.data) for i in by_title["听录音作答"].images] == [("speech.mp3", "audio/mpeg", mp3)]
    assert '<audio controls="controls" src="@@PLUGINFILE@@/speech.mp3"></audio>' in by_title["听录音作答"].text_html
    assert [(i.name, i.data) for i in by_title["Moodle 1.9 图片"].images] == [("map.png", PNG)]
    assert [i.name for i in by_title["单选带图"].images] == ["year map.png"]


def test_export_then_import_gives_the_same_questions(first):
    assert parse_bytes(export(first, "moodle_xml")).questions == first


def _named_in_order(question):
    """The question with its files renamed file0, file1... (a bank stores them under its own names)."""
    html = question.text_html
    images = []
    for index, image in enumerate(question.images):
        extension = image.name.rsplit(".", 1)[-1]
        name = f"file{index}.{extension}"
        for old in (PLACEHOLDER_PREFIX + quote(image.name), PLACEHOLDER_PREFIX + image.name):
            html = html.replace(f'"{old}"', f'"{PLACEHOLDER_PREFIX}{name}"')
        images.append(dataclasses.replace(image, name=name))
    return dataclasses.replace(question, text_html=html, images=images)


def test_through_a_bank_the_same_questions_come_back_with_their_files(app, world, corpus, first):
    bank = services.create_bank(name="语料", unit=world.county)
    services.import_bank_file(bank, corpus, filename="corpus.xml")
    db.session.commit()
    data, errors = services.export_bank(bank, "moodle_xml")
    assert errors == []
    again = parse_bytes(data)
    assert again.errors == []
    assert [_named_in_order(q) for q in again.questions] == [_named_in_order(q) for q in first]
