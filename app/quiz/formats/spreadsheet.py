"""The Chinese spreadsheet template (Excel .xlsx, old Excel .xls and CSV): parse_xlsx,
parse_xls, parse_csv, export_xlsx and build_spreadsheet_template.

Columns (header names are matched after folding full-width characters, spaces and "*"):

    题型      单选题 / 多选题 / 判断题 / 填空题 / 简答题 (also 单选, 单项选择题, 问答题 ...)
    题目      the question text; also 试题内容, 题干, 题目内容, 试题
    选项A..H  options; also A..H, 选项 A
    答案      also 正确答案, 标准答案, 参考答案
    解析      general feedback; also 答案解析, 试题解析
    分值      points, default 1; also 分数
    分类      optional category path ("党史/第一章"); 标题 optional question title

The header is the first row (of the first ten) that has 题型 and 题目 columns, so a title row
above it is fine. Cells are trimmed. An .xls (Excel 97-2003 or WPS) is read through xlrd
(app.core.xls) and parses exactly like the same sheet saved as .xlsx. A CSV is UTF-8 (with or without BOM) or GB18030, comma or
tab separated.

Answers:
- 单选题: one letter; 多选题: letters as A, ABD, A、B、D, A,B or full-width ＡＢ. A letter whose
  option cell is empty is an error. 多选题 is all-or-nothing: each correct option gets 1/n.
- 判断题: 正确/错误, 对/错, √/×, T/F, TRUE/FALSE, 是/否 (or a letter whose option says 正确/错误).
- 填空题: short answer; accepted answers separated by |, ； or ;.
- 简答题: always an essay graded by a trainer. A filled 答案 is kept as grader_info (the
  reference answer shown to the trainer), not as accepted answers: reference answers to
  简答题 are sentences, and exact matching them would mark almost every learner wrong.

A bad row (missing answer, answer pointing to an empty option, unknown type, bad points ...) is
reported as ParseError("row N", Chinese reason), N being the sheet's own row number, and
skipped; the other rows import.

export_xlsx writes the same template. The template cannot hold numeric, matching and
description questions nor more than eight options: those questions are left out and reported
in the ``errors`` list given to the exporter ("question N", N counting from 1). Per-option
feedback and weighted partial credit are not kept (a partial-credit multiple becomes
all-or-nothing on its options with positive fraction; also reported).
"""
from __future__ import annotations

import csv
import io
import re
import unicodedata
import warnings
import zipfile

from app.core.tabular import append_row
from app.core.xls import XlsUnreadable, xls_rows

from .messages import message
from .model import (
    GRADING_ALL_OR_NOTHING, MAX_QUESTIONS, MAX_TEXT_CHARS, ParsedOption, ParsedQuestion, ParseError, ParseResult,
    split_evenly,
)
from .textio import NotText, decode_text

LETTERS = "ABCDEFGH"
TYPE_WORDS = {
    "single": ("单选题", "单选", "单项选择题", "单项选择"),
    "multiple": ("多选题", "多选", "多项选择题", "多项选择", "不定项选择题"),
    "truefalse": ("判断题", "判断", "是非题"),
    "short": ("填空题", "填空"),
    "essay": ("简答题", "简答", "问答题", "论述题", "主观题"),
}
TYPE_BY_WORD = {word: kind for kind, words in TYPE_WORDS.items() for word in words}
EXPORT_TYPE_WORD = {kind: words[0] for kind, words in TYPE_WORDS.items()}
COLUMN_ALIASES = {
    "type": ("题型", "试题类型", "题目类型", "类型"),
    "text": ("题目", "试题内容", "题干", "题目内容", "试题", "问题"),
    "answer": ("答案", "正确答案", "标准答案", "参考答案"),
    "feedback": ("解析", "答案解析", "试题解析", "题目解析"),
    "points": ("分值", "分数", "得分"),
    "category": ("分类", "试题分类", "题库分类"),
    "title": ("标题", "试题标题", "题目标题"),
}
for _letter in LETTERS:
    COLUMN_ALIASES[_letter] = (f"选项{_letter}", _letter)
HEADER_KEY = {alias: key for key, aliases in COLUMN_ALIASES.items() for alias in aliases}
TRUE_WORDS = {"正确", "对", "√", "✓", "✔", "T", "TRUE", "是", "Y", "YES", "1"}
FALSE_WORDS = {"错误", "错", "×", "✗", "✘", "X", "F", "FALSE", "否", "N", "NO", "0"}
EXPORT_HEADERS = ["题型", "题目", *[f"选项{letter}" for letter in LETTERS], "答案", "解析", "分值", "分类", "标题"]
MAX_UNZIPPED_BYTES = 200 * 1024 * 1024
HEADER_SEARCH_ROWS = 10


class RowError(ValueError):
    def __init__(self, key: str, **values) -> None:
        super().__init__(key)
        self.text = message(key, **values)


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text)


def _header_key(cell: str) -> str | None:
    name = re.sub(r"[\s*]", "", _fold(cell)).upper()
    name = re.sub(r"[(（].*?[)）]$", "", name)
    return HEADER_KEY.get(name)


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _number_text(value: float) -> float | int:
    return int(value) if float(value).is_integer() else value


# ---------------------------------------------------------------- rows to questions

def parse_rows(rows) -> ParseResult:
    """Questions from an iterable of (row number, [cell values]) in the template's layout."""
    result = ParseResult()
    columns: dict[str, int] | None = None
    for row_number, values in rows:
        cells = [_cell(value) for value in values]
        if columns is None:
            if row_number > HEADER_SEARCH_ROWS:
                break
            found = {}
            for index, cell in enumerate(cells):
                key = _header_key(cell) if cell else None
                if key and key not in found:
                    found[key] = index
            if "type" in found and "text" in found:
                if "answer" not in found:
                    return ParseResult.failure(message("missing_column", column="答案"))
                columns = found
            continue
        if not any(cells):
            continue
        if len(result.questions) + len(result.errors) >= MAX_QUESTIONS:
            return ParseResult.failure(message("too_many_rows", limit=MAX_QUESTIONS))
        record = {key: (cells[index] if index < len(cells) else "") for key, index in columns.items()}
        try:
            result.questions.append(_question_from_row(record))
        except RowError as error:
            result.errors.append(ParseError(f"row {row_number}", error.text))
    if columns is None:
        return ParseResult.failure(message("no_header"))
    return result


def _letters(raw: str) -> list[str]:
    cleaned = re.sub(r"[\s,，、;；/|.．]", "", _fold(raw)).upper()
    if not cleaned or not re.fullmatch(r"[A-H]+", cleaned):
        raise RowError("bad_letters", value=raw)
    return list(dict.fromkeys(cleaned))


def _question_from_row(record: dict[str, str]) -> ParsedQuestion:
    type_word = record.get("type", "")
    kind = TYPE_BY_WORD.get(re.sub(r"\s", "", _fold(type_word)))
    if kind is None:
        raise RowError("unknown_type", value=type_word)
    text = record.get("text", "")
    if not text:
        raise RowError("missing_text")
    if len(text) > MAX_TEXT_CHARS:
        raise RowError("text_too_long", limit=MAX_TEXT_CHARS)
    answer = record.get("answer", "")
    points_text = record.get("points", "")
    try:
        points = float(_fold(points_text)) if points_text else 1.0
    except ValueError:
        raise RowError("bad_points", value=points_text) from None
    if not points >= 0 or points == float("inf"):
        raise RowError("bad_points", value=points_text)
    question = ParsedQuestion(
        type=kind, text=text, title=record.get("title", ""), category=record.get("category", "").strip("/ "),
        feedback=record.get("feedback", ""), points=points,
    )
    options = {letter: record.get(letter, "") for letter in LETTERS}
    if kind in ("single", "multiple"):
        if not answer:
            raise RowError("missing_answer")
        letters = _letters(answer)
        for letter in letters:
            if not options[letter]:
                raise RowError("empty_option", letter=letter)
        if kind == "single" and len(letters) > 1:
            raise RowError("single_many_answers", value=answer)
        filled = [letter for letter in LETTERS if options[letter]]
        if len(filled) < 2:
            raise RowError("too_few_options")
        share = 1.0 if kind == "single" else split_evenly(len(letters))
        question.options = [ParsedOption(options[letter], share if letter in letters else 0.0) for letter in filled]
        if kind == "multiple":
            question.grading = GRADING_ALL_OR_NOTHING
    elif kind == "truefalse":
        if not answer:
            raise RowError("missing_answer")
        word = re.sub(r"\s", "", _fold(answer)).upper()
        if word in LETTERS and len(word) == 1:
            if not options[word]:
                raise RowError("empty_option", letter=word)
            word = re.sub(r"\s", "", _fold(options[word])).upper()
        if word in TRUE_WORDS:
            question.answer = True
        elif word in FALSE_WORDS:
            question.answer = False
        else:
            raise RowError("bad_truefalse", value=answer)
        question.options = [
            ParsedOption("true", 1.0 if question.answer else 0.0),
            ParsedOption("false", 0.0 if question.answer else 1.0),
        ]
    elif kind == "short":
        accepted = [part.strip() for part in re.split(r"[|｜；;]", answer) if part.strip()]
        if not accepted:
            raise RowError("missing_answer")
        question.answers = [ParsedOption(part, 1.0) for part in dict.fromkeys(accepted)]
    elif kind == "essay":
        question.grader_info = answer
    return question


# ---------------------------------------------------------------- files

def _check_xlsx_zip(data: bytes) -> str | None:
    """The message key that refuses this zip, or None when it looks like a workbook."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except Exception:  # zipfile raises BadZipFile, ValueError, EOFError ... on junk
        return "bad_zip"
    try:
        return _check_xlsx_members(archive)
    except Exception:  # encrypted members, unknown compression, bad CRC
        return "bad_zip"
    finally:
        archive.close()


def _check_xlsx_members(archive: zipfile.ZipFile) -> str | None:
    """Zip sizes are declared per member and zipfile never reads past them, so the sum
    bounds what openpyxl may inflate."""
    infos = archive.infolist()
    if "xl/workbook.xml" not in {info.filename for info in infos}:
        return "zip_not_xlsx"
    if sum(info.file_size for info in infos) > MAX_UNZIPPED_BYTES:
        return "xlsx_too_large"
    for info in infos:
        if info.filename.endswith((".xml", ".rels")):
            with archive.open(info) as member:
                head = member.read(4096).lower()
            if b"<!doctype" in head or b"<!entity" in head:
                return "dtd_forbidden"
    return None


def parse_xlsx(data: bytes) -> ParseResult:
    refusal = _check_xlsx_zip(data)
    if refusal:
        return ParseResult.failure(message(refusal))
    try:
        with warnings.catch_warnings():
            # openpyxl warns about unknown extensions and missing styles in files from
            # other programs; those are harmless for reading values.
            warnings.simplefilter("ignore")
            import openpyxl  # deferred: ~0.3 s at start-up; only spreadsheet uploads and exports need it

            workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
            try:
                rows = enumerate(workbook.worksheets[0].iter_rows(values_only=True), start=1)
                return parse_rows(rows)
            finally:
                workbook.close()
    except Exception as error:  # openpyxl raises many kinds of errors on corrupt workbooks
        return ParseResult.failure(message("bad_xlsx", detail=type(error).__name__))


def parse_xls(data: bytes) -> ParseResult:
    """The first sheet of an old Excel workbook (.xls, BIFF5/BIFF8)."""
    try:
        return parse_rows(xls_rows(data))
    except XlsUnreadable:
        return ParseResult.failure(message("bad_xls"))


def parse_csv(data: bytes) -> ParseResult:
    try:
        text = decode_text(data)
    except NotText as error:
        return ParseResult.failure(message(error.key))
    first_line = text.split("\n", 1)[0]
    delimiter = "\t" if first_line.count("\t") > first_line.count(",") else ","
    try:
        rows = list(enumerate(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), start=1))
    except csv.Error as error:
        return ParseResult.failure(message("bad_csv", detail=str(error)))
    return parse_rows(rows)


# ---------------------------------------------------------------- export

def _row(question: ParsedQuestion) -> list:
    options = [""] * len(LETTERS)
    answer = ""
    if question.type in ("single", "multiple"):
        letters = []
        for index, option in enumerate(question.options):
            options[index] = option.text
            if option.fraction > 0:
                letters.append(LETTERS[index])
        answer = "".join(letters)
    elif question.type == "truefalse":
        answer = "正确" if question.answer else "错误"
    elif question.type == "short":
        answer = "|".join(item.text for item in question.answers)
    elif question.type == "essay":
        answer = question.grader_info
    return [
        EXPORT_TYPE_WORD[question.type], question.text, *options, answer, question.feedback,
        _number_text(question.points), question.category, question.title,
    ]


def _workbook_bytes(rows: list[list], notes: list[str] | None = None) -> bytes:
    import openpyxl  # deferred: ~0.3 s at start-up; only spreadsheet uploads and exports need it

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "试题"
    append_row(sheet, EXPORT_HEADERS)
    for row in rows:
        append_row(sheet, row)  # question texts are the bank's: "=1+1" stays text
    sheet.column_dimensions["B"].width = 50
    if notes:
        help_sheet = workbook.create_sheet("填写说明")
        for note in notes:
            append_row(help_sheet, [note])
        help_sheet.column_dimensions["A"].width = 100
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def export_xlsx(questions: list[ParsedQuestion], errors: list[ParseError] | None = None) -> bytes:
    """The questions in the template's layout; questions it cannot hold are reported in
    ``errors`` (if given) and left out."""
    errors = errors if errors is not None else []
    rows = []
    for number, question in enumerate(questions, start=1):
        location = f"question {number}"
        if question.type not in EXPORT_TYPE_WORD:
            errors.append(ParseError(location, message("export_unsupported_type", type=question.type)))
            continue
        if len(question.options) > len(LETTERS):
            errors.append(ParseError(location, message("export_too_many_options")))
            continue
        if question.type == "multiple" and question.grading != GRADING_ALL_OR_NOTHING:
            errors.append(ParseError(location, message("export_partial_credit_lost")))
        rows.append(_row(question))
    return _workbook_bytes(rows)


TEMPLATE_NOTES = [
    "填写说明（导入时只读取第一个工作表“试题”）：",
    "1. 题型：单选题、多选题、判断题、填空题、简答题。",
    "2. 选项A～选项H：选择题的选项，至少两个；判断题、填空题、简答题不填。",
    "3. 答案：单选题填一个字母，如 A；多选题填多个字母，如 ABD、A、B、D 或 A,B（全部选对才得分）；"
    "判断题填 正确/错误、对/错 或 √/×；填空题的多个可接受答案用 | 或 ；分隔；简答题可填参考答案，由培训员评分。",
    "4. 解析：答题后显示的解析，可不填。",
    "5. 分值：每题分数，不填时为 1 分。",
    "6. 分类、标题：可不填；分类可写成“党史/第一章”。",
    "7. 有错误的行会被跳过并报告行号和原因，其余行正常导入。",
]
TEMPLATE_EXAMPLES = [
    ParsedQuestion(type="single", text="中国共产党的根本宗旨是什么？", options=[
        ParsedOption("全心全意为人民服务", 1.0), ParsedOption("实现共同富裕"), ParsedOption("发展生产力"), ParsedOption("依法治国"),
    ], feedback="党的根本宗旨是全心全意为人民服务。", points=2),
    ParsedQuestion(type="multiple", grading=GRADING_ALL_OR_NOTHING, text="党员的义务包括哪些？（多选）", options=[
        ParsedOption("认真学习党的理论", 0.3333333), ParsedOption("贯彻执行党的基本路线", 0.3333333),
        ParsedOption("只参加本人感兴趣的活动"), ParsedOption("密切联系群众", 0.3333333),
    ], feedback="见《中国共产党章程》第三条。", points=2),
    ParsedQuestion(type="truefalse", text="党员应当按期交纳党费。", answer=True, options=[
        ParsedOption("true", 1.0), ParsedOption("false", 0.0),
    ], feedback="按期交纳党费是党员的义务。"),
    ParsedQuestion(type="short", text="“三会一课”中的“一课”指的是什么？", answers=[
        ParsedOption("党课", 1.0), ParsedOption("按时上好党课", 1.0),
    ], feedback="“一课”即按时上好党课。"),
    ParsedQuestion(type="essay", text="结合本村实际，谈谈党员如何带领群众增收致富。",
                   grader_info="言之有理即可，联系实际、有具体做法的酌情加分。", points=10),
]


def build_spreadsheet_template() -> bytes:
    """The downloadable template: the header row, one example row per type and a sheet of
    instructions. Importing it yields the five example questions."""
    return _workbook_bytes([_row(question) for question in TEMPLATE_EXAMPLES], TEMPLATE_NOTES)
