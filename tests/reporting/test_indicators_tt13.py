"""The indicators as TT 13/2021 counts them, against counts made here by walking what the test built.

C01 (indicator 0101) counts the children whose abuse an assessment established in the period; children at risk (C03)
and the reports not yet verified (R02) apart. Age groups come from the birth date (or year) on the day the report was
received, an age that cannot be placed is its own row. The sexual-abuse subtypes and child labour are breakdowns under
their form, never added to the main forms. A province's report names every commune that has not sent and puts beside
each summed figure the count made directly from the cases.
"""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter
from typing import Any

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cases.models import AbuseFinding, CaseState, Child, Term, TermKind
from childprotect.agencies.models import AgencyType
from childprotect.places.models import AdminUnit
from referrals.models import OutcomeOption
from reporting import indicators
from reporting.models import PeriodicReport, ReportStatus
from reporting.output import report_pdf_bytes, report_xlsx_bytes
from reporting.periods import period_for
from reporting.services import report_prepare
from tests.factories import AgencyFactory, UserFactory
from tests.support.builders import SEMI, referral_step, send_referral, walk
from tests.support.builders import act as case_step
from tests.support.builders import report_step as act
from tests.support.clock import JUNE, TZ
from tests.support.pages import pdf_text

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock", "eager_celery"), pytest.mark.clock_at(JUNE)]

RECEIVED = JUNE - dt.timedelta(days=30)  # 15/05/2026, inside the period 15/12/2025–14/06/2026
MAIN = set(indicators.MAIN_FORMS)
SUBTYPES = set(indicators.SEXUAL_SUBTYPES)


def rows(figures: dict[str, Any], code: str, dim: str) -> dict[Any, int]:
    return {key: n for key, _label, n in figures[code]["by"].get(dim, [])}


def age_group(born: dt.date | None, year: int, on: dt.date) -> str:
    """The age group as the law counts it, computed here without the indicator code."""
    if born is not None:
        age = on.year - born.year - ((born.month, born.day) > (on.month, on.day))
    else:
        age = on.year - year
    if age < 0 or age >= 16:
        return "unknown"
    return "0-5" if age < 6 else "6-10" if age < 11 else "11-15"


# name, sex, birth date, forms, finding ("" = not assessed; None = assessed without a conclusion), relation
BUILT: list[tuple[str, str, dt.date | None, list[str], str | None, str]] = [
    ("Lê Thị Một", "female", dt.date(2016, 1, 10), ["violence"], AbuseFinding.ESTABLISHED, "parent"),
    ("Lê Văn Hai", "male", dt.date(2023, 2, 1), ["sexual_abuse", "sexual_rape", "sexual_molestation"],
     AbuseFinding.ESTABLISHED, "neighbour"),
    ("Lê Thị Ba", "female", dt.date(2012, 5, 16), ["violence", "sexual_abuse", "sexual_rape"],
     AbuseFinding.ESTABLISHED, "stranger"),
    ("Lê Văn Bốn", "male", dt.date(2014, 9, 9), ["exploitation", "exploitation_labour"],
     AbuseFinding.ESTABLISHED, "carer"),
    ("Lê Thị Năm", "female", dt.date(2019, 7, 7), ["exploitation"], AbuseFinding.ESTABLISHED, ""),
    ("Lê Văn Sáu", "male", dt.date(2013, 3, 3), ["neglect"], AbuseFinding.ESTABLISHED, ""),  # age made unknown
    ("Lê Thị Bảy", "female", dt.date(2018, 4, 4), ["neglect"], AbuseFinding.AT_RISK, ""),
    ("Lê Văn Tám", "male", dt.date(2017, 8, 8), ["violence"], AbuseFinding.NOT_FOUND, ""),
    ("Lê Thị Chín", "female", dt.date(2015, 6, 1), ["violence"], None, ""),
    ("Lê Văn Mười", "male", dt.date(2015, 6, 2), ["violence"], "", ""),
]  # fmt: skip
UNKNOWN_AGE = "Lê Văn Sáu"


@pytest.fixture
def built(case_in, officer_a, commune_a):
    """The cases of BUILT in commune A (one report each, received 15/05/2026), assessed as told, and one report with
    no child attached. Returns {name: case}."""
    cases = {}
    for name, sex, born, forms, finding, relation in BUILT:
        perpetrators = [{"relation": Term.objects.get(kind=TermKind.RELATION, code=relation)}] if relation else []
        case = case_in(
            officer_a, commune_a, name, child={"sex": sex, "date_of_birth": born}, forms=forms,
            perpetrators=perpetrators, received_at=RECEIVED,
        )  # fmt: skip
        if finding is not None and finding != "":
            case_step(officer_a, case, "assess_initial", finding=finding)
        elif finding is None:
            case_step(officer_a, case, "assess_initial")
        cases[name] = case
    # A record whose age cannot be placed: a birth year that puts the child at 17 on the day of receipt.
    Child.objects.filter(pk=cases[UNKNOWN_AGE].child_id).update(date_of_birth=None, birth_year=2009)
    return cases


def test_c01_counts_abuse_established_apart_from_risk_and_unverified(built, make_report, officer_a, commune_a):
    make_report(officer_a, incident_unit=commune_a, received_at=RECEIVED)  # no child attached: not verified
    figures = indicators.compute_all([commune_a.pk], period_for(SEMI, 2026))

    established = {name for name, *_rest, finding, _rel in BUILT if finding == AbuseFinding.ESTABLISHED}
    at_risk = {name for name, *_rest, finding, _rel in BUILT if finding == AbuseFinding.AT_RISK}
    unverified_reports = sum(1 for *_rest, finding, _rel in BUILT if not finding) + 1  # + the report with no child
    assert figures["C01"]["total"] == len(established) == 6
    assert figures["C03"]["total"] == len(at_risk) == 1
    assert figures["R02"]["total"] == unverified_reports == 3
    assert figures["C04"]["total"] == len(BUILT)  # every child reported, verified or not
    assert figures["R01"]["total"] == len(BUILT) + 1
    # The children behind the figure are exactly those established.
    behind = indicators.BY_CODE["C01"].matching([commune_a.pk], period_for(SEMI, 2026))
    assert {case.child.full_name for case in behind} == established

    # By sex, by carer, and the perpetrators' relation, counted here.
    sexes = Counter(sex for name, sex, *_rest in BUILT if name in established)
    assert rows(figures, "C01", "sex") == dict(sexes)
    carers = sum(1 for name, *_rest, rel in BUILT if name in established and rel in indicators.CARER_RELATIONS)
    assert rows(figures, "C01", "by_carer") == {"carer": carers, "other": len(established) - carers}
    relation_words = dict(Term.objects.filter(kind=TermKind.RELATION).values_list("code", "label"))
    relations = Counter(relation_words[rel] for name, *_rest, rel in BUILT if name in established and rel)
    assert rows(figures, "C01", "relation") == dict(relations)


def test_age_groups_come_from_the_birth_date_and_unknown_is_its_own_row(built, commune_a):
    figures = indicators.compute_all([commune_a.pk], period_for(SEMI, 2026))
    on = RECEIVED.astimezone(TZ).date()
    expected: Counter[str] = Counter()
    for name, _sex, born, _forms, finding, _rel in BUILT:
        if finding == AbuseFinding.ESTABLISHED:
            expected[age_group(None, 2009, on) if name == UNKNOWN_AGE else age_group(born, 0, on)] += 1
    assert expected["unknown"] == 1 and expected["0-5"] == 1
    assert rows(figures, "C01", "age") == dict(expected)
    assert sum(rows(figures, "C01", "age").values()) == figures["C01"]["total"]  # each child in one group
    labels = {key: label for key, label, _n in figures["C01"]["by"]["age"]}
    assert labels["unknown"] == "Không xác định được tuổi"


def test_subtypes_are_a_breakdown_never_added_to_the_main_forms(built, commune_a):
    figures = indicators.compute_all([commune_a.pk], period_for(SEMI, 2026))
    established = [row for row in BUILT if row[4] == AbuseFinding.ESTABLISHED]
    # A child per main form once: a subtype is not a form, child labour is exploitation.
    per_form: Counter[str] = Counter()
    per_subtype: Counter[str] = Counter()
    for _name, _sex, _born, forms, _finding, _rel in established:
        main = {"exploitation" if f == "exploitation_labour" else f for f in forms if f not in SUBTYPES}
        per_form.update(main)
        per_subtype.update(f for f in forms if f in SUBTYPES)
    form_rows = rows(figures, "C01", "form")
    assert form_rows == dict(per_form)
    assert not set(form_rows) & (SUBTYPES | {"exploitation_labour"})
    assert rows(figures, "C01", "sexual") == dict(per_subtype) == {"sexual_rape": 2, "sexual_molestation": 1}
    assert rows(figures, "C01", "exploitation") == {"labour": 1, "other": 1}
    # The total is the number of distinct children, whatever the forms and subtypes add up to.
    assert figures["C01"]["total"] == len({row[0] for row in established}) == 6
    assert sum(form_rows.values()) == sum(per_form.values()) == 7  # Ba: violence and sexual abuse
    # Incidents (C02) by form count each report once per main form too.
    c02 = rows(figures, "C02", "form")
    assert not set(c02) & SUBTYPES


def test_the_province_names_the_commune_not_sent_and_counts_directly(
    tmp_path, built, case_in, officer_a, chair_a, officer_b, supervisor, commune_a, commune_b, province
):
    b_case = case_in(officer_b, commune_b, "Trần Văn Bê", received_at=RECEIVED)
    case_step(officer_b, b_case, "assess_initial", finding=AbuseFinding.ESTABLISHED)
    a = report_prepare(actor=officer_a, unit=commune_a, kind=SEMI, year=2026)
    act(chair_a, a, "submit")  # commune B, with an officer, sends nothing

    report = report_prepare(actor=supervisor, unit=province, kind=SEMI, year=2026)
    figures = report.figures
    established_a = sum(1 for row in BUILT if row[4] == AbuseFinding.ESTABLISHED)
    assert figures["indicators"]["C01"]["total"] == established_a  # the sum of the reports sent
    assert figures["direct"]["C01"] == established_a + 1  # B's child counted from the cases
    assert figures["direct"]["C04"] == len(BUILT) + 1
    assert figures["missing"] == [[commune_b.pk, commune_b.name]]
    unstaffed = {name for _pk, name in figures["missing_without_accounts"]}
    below = set(AdminUnit.objects.filter(parent=province).values_list("name", flat=True))
    assert unstaffed == below - {commune_a.name, commune_b.name}

    text = pdf_text(tmp_path, report_pdf_bytes(report))
    assert "Đơn vị chưa gửi báo cáo (1): Phường Hàm Rồng." in text
    assert f"Số trẻ em bị xâm hại (chỉ tiêu 0101): {established_a} trẻ em; đếm trực tiếp từ hồ sơ: " in text
    assert "Cột “Đếm trực tiếp từ hồ sơ”" in text  # the table's column explained under it
    assert f"3 0101 Số trẻ em bị xâm hại Trẻ em {established_a} {established_a + 1}" in text  # summed, then direct
    assert sorted(unstaffed)[0] in text

    book = openpyxl.load_workbook(io.BytesIO(report_xlsx_bytes(report)))
    summary = list(book["Tổng hợp"].iter_rows(values_only=True))
    assert summary[0][:2] == ("Mã", "Mã chỉ tiêu (TT 13/2021)") and summary[0][5] == "Đếm trực tiếp từ hồ sơ"
    c01 = next(r for r in summary if r[0] == "C01")
    assert c01[1] == "0101" and (c01[4], c01[5], c01[6]) == (established_a, established_a + 1, 1)
    assert next(r for r in summary if r[0] == "R01")[1] is None  # no TT 13 code: blank
    listed = dict(book["Đơn vị"].iter_rows(min_row=2, values_only=True))
    assert listed[commune_b.name] == "Chưa gửi báo cáo" and listed[commune_a.name] == "Đã gửi"
    assert sum(1 for status in listed.values() if "chưa có tài khoản" in status) == len(unstaffed)


def test_referral_answers_support_and_court_outcomes(built, officer_a, chair_a, commune_a):
    """F03 by agency type against the health target, S02 support by kind, F04 procuracy and court outcomes."""
    health = AgencyFactory(name="Trạm Y tế phường Hạc Thành", agency_type=AgencyType.HEALTH, unit=commune_a)
    procuracy = AgencyFactory(name="Viện kiểm sát nhân dân khu vực", agency_type=AgencyType.PROCURACY, unit=commune_a)
    nurse = UserFactory(role="partner", unit=commune_a, agency=health, full_name="Đỗ Thị Lan")
    prosecutor = UserFactory(role="partner", unit=commune_a, agency=procuracy, full_name="Vũ Văn Kiểm")
    one, two = built["Lê Thị Một"], built["Lê Thị Ba"]
    r1 = send_referral(officer_a, one, health)
    referral_step(nurse, r1, "accept", note="")
    referral_step(
        nurse, r1, "complete", outcome=OutcomeOption.objects.filter(agency_type=AgencyType.HEALTH).first(),
        outcome_reference="", actions_taken="Khám, điều trị.",
    )  # fmt: skip
    r2 = send_referral(officer_a, two, procuracy)
    referral_step(prosecutor, r2, "accept", note="")
    outcome = OutcomeOption.objects.filter(agency_type=AgencyType.PROCURACY).order_by("pk")[0]
    referral_step(prosecutor, r2, "complete", outcome=outcome, outcome_reference="01/QĐ-VKS", actions_taken="Truy tố.")

    figures = indicators.compute_all([commune_a.pk], period_for(SEMI, 2026))
    assert figures["F03"]["total"] == 2  # two answers, both on time (the same day)
    answers = {r["agency_type"]: r for r in indicators.referral_answers(figures)}
    assert (answers["health"]["met"], answers["health"]["total"], answers["health"]["target"]) == (1, 1, 90)
    assert answers["procuracy"]["target"] is None
    assert figures["S02"]["total"] == 2 and rows(figures, "S02", "kind") == {"health": 1, "procuracy": 1}
    assert figures["F04"]["total"] == 1 and rows(figures, "F04", "outcome") == {outcome.label: 1}
    assert figures["F02"]["total"] == 0  # no police here


def test_old_snapshots_without_the_new_indicators_still_render(tmp_path, supervisor, officer_a, province, commune_a):
    """A report sent before: C01 counted the children reported, one T01 for every timed step, no direct counts."""
    old = {
        "indicators": {
            "C01": {"total": 3, "by": {"sex": [["female", "Nữ", 2], ["male", "Nam", 1]],
                                       "age": [["11-15", "Từ 11 đến dưới 16 tuổi", 3]]}},
            "T01": {"total": 4, "by": {"on_time": [[True, "Đúng hạn", 3], [False, "Trễ hạn", 1]]}},
        },
        "units": [commune_a.pk],
    }  # fmt: skip
    for unit, extra in ((commune_a, {}), (province, {"included": [], "missing": [], "without_accounts": 0})):
        report = PeriodicReport(
            unit=unit, kind=SEMI, year=2026, status=ReportStatus.SUBMITTED, prepared_by=supervisor,
            created_at=JUNE, computed_at=JUNE, figures={**old, **extra}, **PeriodicReport.period_fields(SEMI, 2026),
        )  # fmt: skip
        text = pdf_text(tmp_path, report_pdf_bytes(report))
        assert "Số trẻ em bị xâm hại (chỉ tiêu 0101): 3 trẻ em." in text
        assert "Đếm trực tiếp từ hồ sơ" not in text
        book = openpyxl.load_workbook(io.BytesIO(report_xlsx_bytes(report)))
        summary = {r[0]: r for r in book["Tổng hợp"].iter_rows(min_row=2, values_only=True)}
        assert summary["C01"][4] == 3 and summary["C03"][4] == 0


def test_the_report_build_costs_the_same_queries_for_few_or_many_cases(
    case_in, officer_a, supervisor, commune_a, province
):
    period = period_for(SEMI, 2026)

    def build_cost() -> int:
        with CaptureQueriesContext(connection) as queries:
            indicators.compute_all([commune_a.pk], period)
        return len(queries)

    def province_cost() -> int:
        with CaptureQueriesContext(connection) as queries:
            indicators.totals_all([province.pk, commune_a.pk], period)
        return len(queries)

    def add(n: int, first: str) -> None:  # established with sexual abuse, and at risk, in turns
        for k in range(n):
            forms = ["sexual_abuse", "sexual_rape", "exploitation_labour"]
            case = case_in(officer_a, commune_a, f"{first} {k}", received_at=RECEIVED, forms=forms)
            case_step(officer_a, case, "assess_initial", finding="at_risk" if k % 2 else "established")

    add(2, "Phạm Văn")
    few, few_direct = build_cost(), province_cost()
    add(6, "Phạm Thị")
    assert (build_cost(), province_cost()) == (few, few_direct)
    # One query for the moved cases, then one per total and one per breakdown (and a few for the labels of the
    # communes, terms and steps); one per total for the direct count.
    assert few == 76
    assert few_direct == 1 + len(indicators.INDICATORS) == 19


def test_the_specific_assessment_may_change_the_conclusion_and_a_blank_keeps_it(case_in, officer_a, chair_a, commune_a):
    case = case_in(officer_a, commune_a, "Ngô Thị Hạnh", received_at=RECEIVED)
    case_step(officer_a, case, "assess_initial", finding=AbuseFinding.AT_RISK)
    case.refresh_from_db()
    assert (case.abuse_finding, case.finding_at) == (AbuseFinding.AT_RISK, JUNE)
    case_step(chair_a, case, "decide_emergency")
    case_step(officer_a, case, "assess_specific", finding="")  # no new conclusion: the initial one stands
    case.refresh_from_db()
    assert case.abuse_finding == AbuseFinding.AT_RISK
    period = period_for(SEMI, 2026)
    assert indicators.compute_all([commune_a.pk], period)["C03"]["total"] == 1
    # Established later by the specific assessment of another child: counted under C01, no longer at risk.
    other = case_in(officer_a, commune_a, "Ngô Văn Hùng", received_at=RECEIVED)
    case_step(officer_a, other, "assess_initial", finding=AbuseFinding.AT_RISK)
    case_step(chair_a, other, "decide_emergency")
    case_step(officer_a, other, "assess_specific", finding=AbuseFinding.ESTABLISHED)
    figures = indicators.compute_all([commune_a.pk], period)
    assert (figures["C01"]["total"], figures["C03"]["total"]) == (1, 1)


def test_t01_holds_the_law_s_time_limits_and_t02_the_settings(case_in, officer_a, chair_a, commune_a):
    """NĐ 56 sets the emergency decision (Đ26 k3), the plan (Đ28 k1) and the chair's approval (Đ28 k4); the review
    interval is the product's setting (Đ30 sets no period)."""
    case = case_in(officer_a, commune_a, "Ngô Thị Hạnh", received_at=RECEIVED)
    walk(case, CaseState.REVIEWED, officer=officer_a, chair=chair_a)
    figures = indicators.compute_all([commune_a.pk], period_for(SEMI, 2026))
    assert set(rows(figures, "T01", "step")) == {"decide_emergency", "draft_plan", "approve_plan"}
    assert set(rows(figures, "T02", "step")) == {"review"}
