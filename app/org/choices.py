"""Fixed vocabularies of the organisation domain.

Values are stored as the English codes; `label` gives the UI text (Chinese by
default) and `CHINESE` maps the words used in rosters from other systems.
"""
from __future__ import annotations

from enum import StrEnum

from flask_babel import lazy_gettext as _l

from app.core.permissions import Role  # noqa: F401  (accounts carry a role; defined in core)


class UnitLevel(StrEnum):
    COUNTY = "county"
    TOWNSHIP = "township"
    BRANCH = "branch"

    @property
    def label(self):
        return {
            "county": _l("County"),
            "township": _l("Township"),
            "branch": _l("Village branch"),
        }[self.value]

    @property
    def child_level(self) -> "UnitLevel | None":
        return {"county": UnitLevel.TOWNSHIP, "township": UnitLevel.BRANCH}.get(self.value)


class Gender(StrEnum):
    MALE = "male"
    FEMALE = "female"

    @property
    def label(self):
        return {"male": _l("Male"), "female": _l("Female")}[self.value]


class PersonCategory(StrEnum):
    FULL_MEMBER = "full_member"  # 正式党员
    PROBATIONARY = "probationary"  # 预备党员
    CANDIDATE = "candidate"  # 发展对象
    ACTIVIST = "activist"  # 入党积极分子
    NON_MEMBER = "non_member"  # 群众

    @property
    def label(self):
        return {
            "full_member": _l("Full member"),
            "probationary": _l("Probationary member"),
            "candidate": _l("Candidate for membership"),
            "activist": _l("Activist"),
            "non_member": _l("Non-member villager"),
        }[self.value]


class CadreRole(StrEnum):
    BRANCH_SECRETARY = "branch_secretary"  # 支部书记
    COMMITTEE_MEMBER = "committee_member"  # 两委班子成员
    VILLAGE_CADRE = "village_cadre"  # 村干部
    RESERVE_CADRE = "reserve_cadre"  # 后备干部

    @property
    def label(self):
        return {
            "branch_secretary": _l("Branch secretary"),
            "committee_member": _l("Village committee member"),
            "village_cadre": _l("Village cadre"),
            "reserve_cadre": _l("Reserve cadre"),
        }[self.value]


class Education(StrEnum):
    PRIMARY = "primary"
    JUNIOR = "junior"
    SENIOR = "senior"
    VOCATIONAL = "vocational"
    COLLEGE = "college"
    BACHELOR = "bachelor"
    POSTGRADUATE = "postgraduate"

    @property
    def label(self):
        return {
            "primary": _l("Primary school or below"),
            "junior": _l("Junior middle school"),
            "senior": _l("Senior middle school"),
            "vocational": _l("Vocational school"),
            "college": _l("Junior college"),
            "bachelor": _l("Bachelor"),
            "postgraduate": _l("Postgraduate"),
        }[self.value]


class Post(StrEnum):
    """Posts taken on by members without office (无职党员设岗定责)."""

    POLICY_OUTREACH = "policy_outreach"
    AFFAIRS_OVERSIGHT = "affairs_oversight"
    TECH_DEMONSTRATION = "tech_demonstration"
    HELPING_POOR = "helping_poor"
    MEDIATION = "mediation"
    HYGIENE = "hygiene"

    @property
    def label(self):
        return {
            "policy_outreach": _l("Policy outreach"),
            "affairs_oversight": _l("Village-affairs oversight"),
            "tech_demonstration": _l("Technology demonstration"),
            "helping_poor": _l("Helping the poor"),
            "mediation": _l("Mediation"),
            "hygiene": _l("Hygiene"),
        }[self.value]


# Words found in rosters and question banks from other systems -> our codes.
CHINESE = {
    Gender: {"男": Gender.MALE, "女": Gender.FEMALE},
    PersonCategory: {
        "正式党员": PersonCategory.FULL_MEMBER,
        "党员": PersonCategory.FULL_MEMBER,
        "预备党员": PersonCategory.PROBATIONARY,
        "发展对象": PersonCategory.CANDIDATE,
        "入党积极分子": PersonCategory.ACTIVIST,
        "积极分子": PersonCategory.ACTIVIST,
        "群众": PersonCategory.NON_MEMBER,
    },
    CadreRole: {
        "支部书记": CadreRole.BRANCH_SECRETARY,
        "党支部书记": CadreRole.BRANCH_SECRETARY,
        "两委班子成员": CadreRole.COMMITTEE_MEMBER,
        "两委成员": CadreRole.COMMITTEE_MEMBER,
        "村干部": CadreRole.VILLAGE_CADRE,
        "后备干部": CadreRole.RESERVE_CADRE,
    },
    Education: {
        "小学": Education.PRIMARY,
        "小学及以下": Education.PRIMARY,
        "文盲": Education.PRIMARY,
        "初中": Education.JUNIOR,
        "高中": Education.SENIOR,
        "中专": Education.VOCATIONAL,
        "职高": Education.VOCATIONAL,
        "大专": Education.COLLEGE,
        "本科": Education.BACHELOR,
        "大学": Education.BACHELOR,
        "研究生": Education.POSTGRADUATE,
        "硕士": Education.POSTGRADUATE,
        "博士": Education.POSTGRADUATE,
    },
    Post: {
        "政策宣传岗": Post.POLICY_OUTREACH,
        "村务监督岗": Post.AFFAIRS_OVERSIGHT,
        "科技示范岗": Post.TECH_DEMONSTRATION,
        "帮贫扶困岗": Post.HELPING_POOR,
        "矛盾调解岗": Post.MEDIATION,
        "环境卫生岗": Post.HYGIENE,
    },
}

CHINESE_NAME = {
    enum_cls: {code: word for word, code in reversed(list(words.items()))}
    for enum_cls, words in CHINESE.items()
}
