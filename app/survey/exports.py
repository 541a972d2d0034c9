"""The XLSX of a unit's results: the same `build_results`, so small groups stay hidden here too."""
from __future__ import annotations

from flask_babel import gettext as _

from app.core.tabular import append_row
from app.survey.models import QuestionKind
from app.survey.results import Results


def write_xlsx(results: Results, handle) -> None:
    from openpyxl import Workbook  # deferred: openpyxl costs ~0.3 s at start-up
    from openpyxl.styles import Font  # deferred: openpyxl costs ~0.3 s at start-up

    book = Workbook()
    sheet = book.active
    sheet.title = _("Questionnaire results")[:31]
    bold = Font(bold=True)
    append_row(sheet, [results.questionnaire.title], font=bold)
    append_row(sheet, [_("Unit"), results.unit.name])
    append_row(sheet, [_("Answers"), results.responses])
    if results.suppressed:
        append_row(sheet, [_("Fewer than %(n)d answers here (or in what remains of the unit above): results are not "
                             "shown, so nobody can be identified.", n=results.min_group)])
    for number, result in enumerate(results.questions, start=1):
        append_row(sheet, [])
        append_row(sheet, [f"{number}. {result.question.prompt}", _("Answered: %(n)d", n=result.answered)], font=bold)
        kind = result.question.kind_enum
        if kind == QuestionKind.TEXT:
            for text in result.texts:
                append_row(sheet, [text])
            continue
        if kind == QuestionKind.RANKING:
            append_row(sheet, [_("Option"), _("Average place"), _("Ranked first"), "%"])
            for option in result.options:
                append_row(sheet, [option.label, option.average_place, option.count, option.percent])
            continue
        append_row(sheet, [_("Option"), _("Number of people"), "%"])
        for option in result.options:
            append_row(sheet, [option.label, option.count, option.percent])
        if result.average is not None:
            append_row(sheet, [_("Average"), result.average])
    if results.children:
        children = book.create_sheet(_("Units")[:31])
        append_row(children, [_("Unit"), _("Answers"), _("Results shown")], font=bold)
        for row in results.children:
            append_row(children, [row.unit.name, row.responses, _("No") if row.suppressed else _("Yes")])
    book.save(handle)
