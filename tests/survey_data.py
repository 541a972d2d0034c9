"""Questionnaires for the survey tests: one question of every kind."""
from __future__ import annotations

from app.extensions import db
from app.survey import services
from app.survey.models import Audience, QuestionKind


def make_questionnaire(unit, *, anonymous=True, audience=Audience.VILLAGERS, publish=True, title="村务满意度调查",
                       **settings):
    questionnaire = services.create_questionnaire(unit=unit, title=title, audience=audience,
                                                  is_anonymous=anonymous, **settings)
    services.add_question(questionnaire, kind=QuestionKind.SINGLE, prompt="您多久来一次活动室？",
                          options=["每周", "每月", "很少"])
    services.add_question(questionnaire, kind=QuestionKind.MULTIPLE, prompt="您想学哪些内容？",
                          options=["种植", "养殖", "电商", "政策"])
    services.add_question(questionnaire, kind=QuestionKind.RATING, prompt="您对培训满意吗？")
    services.add_question(questionnaire, kind=QuestionKind.YES_NO, prompt="您愿意再参加吗？")
    services.add_question(questionnaire, kind=QuestionKind.TEXT, prompt="还有什么建议？")
    services.add_question(questionnaire, kind=QuestionKind.RANKING, prompt="请给这些事排个先后",
                          options=["修路", "饮水", "路灯"])
    if publish:
        services.publish(questionnaire)
    db.session.commit()
    return questionnaire


def answers_for(questionnaire, *, single=0, multiple=(1, 2), rating=4, yes=True, text="多讲养牛", ranking=(1, 0, 2)):
    """Raw answers in question order (see make_questionnaire)."""
    ids = [question.id for question in questionnaire.questions]
    return dict(zip(ids, [single, list(multiple), rating, yes, text, list(ranking)]))
