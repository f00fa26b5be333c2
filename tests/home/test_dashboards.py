"""The role home pages: what each role sees first, only inside their reach, with counts that equal the lists
their links open; the supervisor's area view at a fixed number of queries; charts drawn from data, never inline script.

The clock stands at 20/11/2026 09:00 (the `clock` fixture). Commune A is Phường Hạc Thành, commune B Phường Hàm
Rồng, both in Tỉnh Thanh Hóa, the supervisor's province.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from html.parser import HTMLParser

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from cases.models import Case, CaseState, Deadline, DeadlineStatus
from cases.services import report_attach_child
from childprotect.accounts.models import Role
from childprotect.agencies.models import AgencyType
from referrals.services import referral_act
from reporting.services import report_act, report_prepare
from tests.factories import AgencyFactory, UserFactory, unit
from tests.support.builders import send_referral as send
from tests.support.builders import walk
from tests.support.clock import NOW, TZ
from tests.support.places import OTHER_PROVINCE_COMMUNE

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock", "eager_celery")]

CHART_LIBRARY = "vendor/chartjs/chart.umd.min.js"
LATE = dt.datetime(2026, 11, 19, 20, 0, tzinfo=TZ)  # received then, the 12 hours ran out at 08:00 today


@pytest.fixture
def case_in(make_report, make_child):
    """case_in(officer, unit, child name, **report overrides) -> the Case the report opens for that child."""

    def build(officer, place, name, **report):
        received = make_report(officer, incident_unit=place, **report)
        child = make_child(officer, full_name=name, residence_unit=place)
        report_attach_child(actor=officer, report=received, child=child)
        return received.cases.get(child=child)

    return build


@pytest.fixture
def health(commune_a):
    agency = AgencyFactory(name="Trạm Y tế phường Hạc Thành", agency_type=AgencyType.HEALTH, unit=commune_a)
    return UserFactory(username="health", full_name="Đỗ Thị Lan", role=Role.PARTNER, unit=commune_a, agency=agency)


def page(client, user):
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return response, response.content.decode()


def case_list_count(client, query: str) -> int:
    response = client.get(reverse("cases:case_list") + query)
    assert response.status_code == 200
    return response.context["page"].paginator.count


class Scripts(HTMLParser):
    """Every <script> of a page: its attributes and its text."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[dict[str, str | None], str]] = []
        self._open: dict[str, str | None] | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "script":
            self._open = dict(attrs)
            self.found.append((self._open, ""))

    def handle_data(self, data):
        if self._open is not None:
            attrs, text = self.found[-1]
            self.found[-1] = (attrs, text + data)

    def handle_endtag(self, tag):
        if tag == "script":
            self._open = None


def scripts_of(content: str) -> list[tuple[dict[str, str | None], str]]:
    parser = Scripts()
    parser.feed(content)
    return parser.found


# --- the commune officer: today, referrals waiting, cases by step ---------------------------------------------------


def test_officer_sees_the_day_referrals_waiting_and_cases_by_step(
    client, officer_a, chair_a, police, police_agency, case_in
):
    late = case_in(officer_a, officer_a.unit, "Lê Thị Hoà", received_at=LATE)
    fresh = case_in(officer_a, officer_a.unit, "Trần Gia Bảo")
    walk(fresh, CaseState.IMPLEMENTING, officer=officer_a, chair=chair_a)
    referral = send(officer_a, fresh, police_agency)

    response, content = page(client, officer_a)
    assert response.context["due_count"] == 1 and str(late) in content
    assert list(response.context["waiting"]) == [referral] and response.context["waiting_count"] == 1
    assert reverse("referrals:referral_detail", args=[referral.pk]) in content
    assert "Chuyển tuyến chờ phản hồi" in content and police_agency.name in content
    states = {row.state: row.total for row in response.context["states"]}
    assert states == {CaseState.RECEIVED: 1, CaseState.IMPLEMENTING: 1}
    for state, total in states.items():
        link = f"?state={state}"
        assert reverse("cases:case_list") + link in content
        assert case_list_count(client, link) == total
    overdue = {row.state: row.overdue for row in response.context["states"]}
    assert overdue[CaseState.RECEIVED] == 1 == case_list_count(client, "?state=received&overdue=1")
    assert CHART_LIBRARY not in content


def test_referrals_waiting_put_the_overdue_first_and_leave_out_the_answered(
    client, officer_a, police, police_agency, health, case_in, clock
):
    first = case_in(officer_a, officer_a.unit, "Lê Thị Hoà")
    second = case_in(officer_a, officer_a.unit, "Trần Gia Bảo")
    answered = send(officer_a, first, police_agency)
    referral_act(actor=police, referral=answered, action="accept", version=answered.version)
    early = send(officer_a, first, health.agency)
    clock.shift(dt.timedelta(days=3))
    later = send(officer_a, second, police_agency)
    clock.shift(dt.timedelta(days=30))  # the first one's answer is long overdue

    response, content = page(client, officer_a)
    assert list(response.context["waiting"]) == [early, later]
    assert str(answered) not in content
    assert "Quá hạn" in content


def test_an_officer_of_another_commune_sees_nothing_of_commune_a(
    client, officer_a, officer_b, chair_a, police, police_agency, case_in
):
    case = case_in(officer_a, officer_a.unit, "Lê Thị Hoà", received_at=LATE)
    walk(case, CaseState.IMPLEMENTING, officer=officer_a, chair=chair_a)
    referral = send(officer_a, case, police_agency)
    case_in(officer_a, officer_a.unit, "Trần Gia Bảo", received_at=LATE)

    response, content = page(client, officer_b)
    assert response.context["states"] == []
    assert response.context["waiting_count"] == 0 and response.context["due_count"] == 0
    assert response.context["inbox_count"] == 0
    for text in (str(case), str(referral), "Lê Thị Hoà", "Trần Gia Bảo"):
        assert text not in content


# --- the chair: decisions waiting, the report to sign ---------------------------------------------------------------


def test_chair_sees_the_decisions_waiting_with_links_to_the_case_and_the_step(client, officer_a, chair_a, case_in):
    emergency = walk(
        case_in(officer_a, officer_a.unit, "An"), CaseState.INITIAL_ASSESSED, officer=officer_a, chair=chair_a
    )
    plan = walk(case_in(officer_a, officer_a.unit, "Bình"), CaseState.PLAN_DRAFTED, officer=officer_a, chair=chair_a)
    closure = walk(
        case_in(officer_a, officer_a.unit, "Cúc"), CaseState.CLOSURE_PROPOSED, officer=officer_a, chair=chair_a
    )
    others = [
        case_in(officer_a, officer_a.unit, "Dũng"),
        walk(case_in(officer_a, officer_a.unit, "Hà"), CaseState.IMPLEMENTING, officer=officer_a, chair=chair_a),
    ]

    response, content = page(client, chair_a)
    assert "Việc của tôi" in content
    work = response.context["my_work"]
    decisions = {item.url: item.actions[0].url for item in work.items}
    expected = {
        reverse("cases:case_detail", args=[case.pk]): reverse("cases:case_act", args=[case.pk, action])
        for case, action in ((emergency, "decide_emergency"), (plan, "approve_plan"), (closure, "approve_closure"))
    }
    assert decisions == expected and work.total == 3
    for case_url, step_url in expected.items():
        assert case_url in content and step_url in content
        assert client.get(step_url).status_code == 200  # the chair may take it
    for case in others:
        assert reverse("cases:case_act", args=[case.pk, "decide_emergency"]) not in content


def test_chair_sees_the_commune_report_to_sign_until_it_is_sent(client, chair_a, officer_a):
    # The 6-month report of 2026: its period has ended, so it may be sent now (20/11/2026).
    report = report_prepare(actor=officer_a, unit=officer_a.unit, kind="semiannual", year=2026)
    response, content = page(client, chair_a)
    assert [item.url for item in response.context["my_work"].items] == [
        reverse("reporting:report_detail", args=[report.pk])
    ]
    assert reverse("reporting:report_act", args=[report.pk, "submit"]) in content
    report.refresh_from_db()
    report_act(actor=chair_a, report=report, action="submit", version=report.version, data={})
    response, _content = page(client, chair_a)
    assert response.context["my_work"].items == []


def test_the_officer_page_has_no_chair_decisions(client, officer_a, chair_a, case_in):
    case = walk(case_in(officer_a, officer_a.unit, "An"), CaseState.INITIAL_ASSESSED, officer=officer_a, chair=chair_a)
    response, content = page(client, officer_a)
    assert response.context["my_work"].items == []
    assert reverse("cases:case_act", args=[case.pk, "decide_emergency"]) not in content


def test_a_chair_of_another_commune_sees_no_decision_of_commune_a(client, officer_a, chair_a, commune_b, case_in):
    walk(case_in(officer_a, officer_a.unit, "An"), CaseState.PLAN_DRAFTED, officer=officer_a, chair=chair_a)
    report_prepare(actor=officer_a, unit=officer_a.unit, kind="annual", year=2026)
    chair_b = UserFactory(username="chair_b", role=Role.COMMUNE_CHAIR, unit=commune_b)
    response, _content = page(client, chair_b)
    assert response.context["my_work"].items == [] and response.context["my_work"].total == 0


# --- the partner: their agency's referrals only ---------------------------------------------------------------------


def test_a_partner_sees_only_the_referrals_to_their_agency(
    client, officer_a, police, police_agency, health, case_in, clock
):
    case = case_in(officer_a, officer_a.unit, "Lê Thị Hoà")
    to_police = send(officer_a, case, police_agency)
    to_health = send(officer_a, case, health.agency)

    response, content = page(client, police)
    detail = reverse("referrals:referral_detail", args=[to_police.pk])
    assert [item.url for item in response.context["my_work"].items] == [detail]
    assert str(to_police) in content and str(to_health) not in content
    assert CHART_LIBRARY not in content
    response, content = page(client, health)
    assert [item.url for item in response.context["my_work"].items] == [
        reverse("referrals:referral_detail", args=[to_health.pk])
    ]
    assert str(to_police) not in content


# --- the supervisor's area view -------------------------------------------------------------------------------------


@pytest.fixture
def area(officer_a, officer_b, chair_a, police, police_agency, case_in, make_report, make_child, clock):
    """Cases in communes A and B in several steps, some late; a referral past its answer time; one case received in
    September with two forms of abuse, and one case of a commune in another province (out of the supervisor's reach).
    """
    a_late = case_in(officer_a, officer_a.unit, "Lê Thị Hoà", received_at=LATE)
    a_plan = walk(case_in(officer_a, officer_a.unit, "Trần Gia Bảo"), "plan_drafted", officer=officer_a, chair=chair_a)
    a_done = walk(case_in(officer_a, officer_a.unit, "Phạm An"), "closed", officer=officer_a, chair=chair_a)
    a_sept = case_in(
        officer_a,
        officer_a.unit,
        "Vũ Minh",
        received_at=dt.datetime(2026, 9, 10, 10, 0, tzinfo=TZ),
        forms=["neglect", "sexual_abuse"],
    )
    b_late = case_in(officer_b, officer_b.unit, "Đinh Thu", received_at=LATE, forms=["exploitation"])
    referral = send(officer_a, walk(a_sept, "implementing", officer=officer_a, chair=chair_a), police_agency)
    far = unit(OTHER_PROVINCE_COMMUNE)
    far_officer = UserFactory(username="officer_far", role=Role.COMMUNE_OFFICER, unit=far)
    outside = case_in(far_officer, far, "Ngô Lan", received_at=LATE)
    clock.shift(dt.timedelta(days=10))  # the referral's answer is now late too
    return {
        "cases": [a_late, a_plan, a_done, a_sept, b_late],
        "referral": referral,
        "outside": outside,
    }


def in_reach(supervisor):
    return Case.objects.filter(unit__path__startswith=supervisor.unit.path + "/")


def test_supervisor_area_counts_equal_independent_counts_and_the_lists_behind_them(client, supervisor, area):
    response, content = page(client, supervisor)
    assert '<section id="area-dashboard"' in content and "Tình hình địa bàn" in content
    view = response.context["area"]
    reach = in_reach(supervisor)
    assert reach.count() == 5 and area["outside"] not in reach

    # by step: each count is the count of its cases and of the list its link opens
    for row in view.states:
        assert row.total == reach.filter(state=row.state).count()
        if row.total:
            assert f'href="{reverse("cases:case_list")}?state={row.state}"' in content
            assert case_list_count(client, f"?state={row.state}") == row.total
    now = NOW + dt.timedelta(days=10)
    late_ids = set(
        Deadline.objects.filter(status=DeadlineStatus.OPEN, due_at__lte=now).values_list("case_id", flat=True)
    )
    assert view.overdue_cases == reach.filter(pk__in=late_ids).count() == case_list_count(client, "?overdue=1")
    assert view.open_cases == reach.exclude(state=CaseState.CLOSED).count() == 4
    assert view.overdue_referrals == 1
    referrals = client.get(reverse("referrals:referral_list") + "?overdue=on")
    assert list(referrals.context["page"]) == [area["referral"]]

    # by commune: the two communes with cases, each linking to its list
    rows = {row.unit_id: row for row in view.communes}
    assert set(rows) == {supervisor.unit.children.get(pk=c.unit_id).pk for c in area["cases"]}
    for unit_id, row in rows.items():
        assert row.total == reach.filter(unit_id=unit_id).count() == case_list_count(client, f"?unit={unit_id}")
        assert row.open == reach.filter(unit_id=unit_id).exclude(state=CaseState.CLOSED).count()
        assert row.overdue == case_list_count(client, f"?unit={unit_id}&overdue=1")
        assert f'href="{reverse("cases:case_list")}?unit={unit_id}"' in content
    assert view.communes_with_cases == 2

    # the charts: by form (drill-down), by month, by age group and sex
    charts = {chart.key: chart for chart in view.charts}
    forms = dict(zip(charts["forms"].labels, charts["forms"].series[0][1], strict=True))
    assert forms["Bạo lực"] == 3 == case_list_count(client, "?form=violence")
    assert forms["Bỏ mặc"] == 1 == forms["Xâm hại tình dục"] == forms["Bóc lột"]
    assert forms["Mua bán"] == 0
    assert f"{reverse('cases:case_list')}?form=neglect" in content
    months = dict(zip(charts["months"].labels, charts["months"].series[0][1], strict=True))
    assert len(months) == 12 and list(months)[0] == "12/2025" and list(months)[-1] == "11/2026"
    assert months["09/2026"] == 1 and months["11/2026"] == 4 and sum(months.values()) == 5
    ages = {name: values for name, values in charts["ages"].series}
    assert sum(sum(values) for values in ages.values()) == 5  # five children, born 2015: 11 years old
    assert ages["Nam"][2] == 5 and ages["Nữ"] == [0, 0, 0, 0]  # the last group: age not known

    # and the same numbers are in the data for the charts
    data = response.context["chart_data"]
    assert data["forms"]["series"][0]["values"] == charts["forms"].series[0][1]


def test_supervisor_sees_the_units_that_have_not_sent_the_next_report(
    client, supervisor, chair_a, officer_b, area, clock
):
    response, content = page(client, supervisor)
    pending = response.context["area"].pending
    assert (pending.period.kind, pending.period.year) == ("annual", 2026)
    assert pending.expected == 2 and pending.missing == 2
    assert {u.name for u in pending.units} == {"Phường Hạc Thành", "Phường Hàm Rồng"}

    clock.move_to(dt.datetime(2026, 12, 14, 9, 0, tzinfo=TZ))  # the period's last day: sending opens
    report = report_prepare(actor=chair_a, unit=chair_a.unit, kind="annual", year=2026)
    report_act(actor=chair_a, report=report, action="submit", version=report.version, data={})
    response, content = page(client, supervisor)
    pending = response.context["area"].pending
    assert pending.expected == 2 and pending.missing == 1
    assert [u.name for u in pending.units] == ["Phường Hàm Rồng"]
    assert "Hạn gửi 15/12/2026: 1 trong 2 đơn vị chưa gửi báo cáo." in content


def test_supervisor_home_costs_the_same_queries_with_3_or_30_cases(
    client, supervisor, officer_a, officer_b, chair_a, case_in, django_assert_num_queries
):
    client.force_login(supervisor)

    def add(count):
        for i in range(count):
            officer = officer_a if i % 3 else officer_b
            case = case_in(officer, officer.unit, f"Trẻ {i}", received_at=LATE if i % 2 else NOW)
            if officer is officer_a and i % 4 == 1:
                walk(case, "implementing", officer=officer_a, chair=chair_a)

    add(3)
    with django_assert_num_queries(100, exact=False) as few:
        client.get(reverse("home"))
    add(27)
    cache.clear()  # the charts are counted again, not read from the cache (see the tests of the cache below)
    with django_assert_num_queries(len(few)):
        response = client.get(reverse("home"))
    assert sum(row.total for row in response.context["area"].states) == 30


# --- the case list honours the drill-down filters, within reach ------------------------------------------------------


def test_the_case_list_filters_by_unit_only_within_reach(client, officer_a, officer_b, supervisor, province, case_in):
    a_cases = [case_in(officer_a, officer_a.unit, n) for n in ("An", "Bình")]
    b_case = case_in(officer_b, officer_b.unit, "Cúc")
    far = unit(OTHER_PROVINCE_COMMUNE)
    far_case = case_in(UserFactory(role=Role.COMMUNE_OFFICER, unit=far), far, "Dũng")

    def listed(user, query):
        client.force_login(user)
        response = client.get(reverse("cases:case_list") + query)
        assert response.status_code == 200
        return {case.pk for case in response.context["page"]}

    a, b = officer_a.unit, officer_b.unit
    assert listed(supervisor, f"?unit={a.pk}") == {c.pk for c in a_cases}
    assert listed(supervisor, f"?unit={b.pk}") == {b_case.pk}
    assert listed(supervisor, f"?unit={province.pk}") == {*(c.pk for c in a_cases), b_case.pk}
    assert listed(supervisor, f"?unit={far.pk}") == set()  # outside the province: nothing, not its case
    assert listed(supervisor, "?unit=999999999") == set()  # no such unit: nothing
    assert listed(supervisor, "?unit=" + "9" * 40) == set()  # nor a number too big for the column
    assert len(listed(supervisor, "?unit=abc")) == 3  # not an id: no filter (the reach still applies)
    assert listed(officer_b, f"?unit={a.pk}") == set()  # another commune: nothing, never its cases
    assert listed(officer_b, f"?unit={b.pk}") == {b_case.pk}
    assert listed(officer_a, f"?unit={far.pk}") == set()
    assert far_case.pk not in listed(supervisor, "")
    # the filter is shown, kept in the form and in the export, and can be removed
    client.force_login(supervisor)
    content = client.get(reverse("cases:case_list") + f"?unit={a.pk}&state=received").content.decode()
    assert f'<input type="hidden" name="unit" value="{a.pk}">' in content and a.name in content
    assert 'href="?state=received"' in content


def test_the_case_list_and_its_export_filter_by_form_of_abuse(client, officer_a, case_in):
    violence = case_in(officer_a, officer_a.unit, "An")
    neglect = case_in(officer_a, officer_a.unit, "Bình", forms=["neglect"])
    client.force_login(officer_a)
    response = client.get(reverse("cases:case_list") + "?form=neglect")
    assert [c.pk for c in response.context["page"]] == [neglect.pk]
    assert '<option value="neglect" selected>' in response.content.decode()
    assert [c.pk for c in client.get(reverse("cases:case_list") + "?form=violence").context["page"]] == [violence.pk]
    assert client.get(reverse("cases:case_list") + "?form=nonsense").context["page"].paginator.count == 2
    export = client.get(reverse("cases:case_export") + "?form=neglect&format=csv")
    assert export.status_code == 200
    text = b"".join(export.streaming_content).decode("utf-8-sig")
    assert str(neglect) in text and str(violence) not in text


def test_the_export_keeps_to_the_reach_with_a_unit_out_of_reach(client, officer_a, officer_b, case_in):
    a_case = case_in(officer_a, officer_a.unit, "An")
    client.force_login(officer_b)
    export = client.get(reverse("cases:case_export") + f"?unit={officer_a.unit.pk}&format=csv")
    assert export.status_code == 200 and str(a_case) not in b"".join(export.streaming_content).decode("utf-8-sig")


# --- no inline script; the chart library only where there are charts -------------------------------------------------


@pytest.mark.parametrize("who", ["officer_a", "chair_a", "supervisor", "police", "admin"])
def test_home_pages_run_no_inline_script_and_only_the_supervisor_loads_the_charts(client, cast, who, area):
    _response, content = page(client, cast[who])
    scripts = scripts_of(content)
    for attrs, text in scripts:
        if "src" not in attrs:
            assert attrs.get("type") == "application/json", attrs  # data (json_script), never run
            json.loads(text)
    sources = [src for attrs, _text in scripts if (src := attrs.get("src"))]
    assert all(src.startswith("/static/") for src in sources)
    charts = any(src.endswith(CHART_LIBRARY) for src in sources)
    assert charts == (who == "supervisor")
    assert any(src.endswith("js/dashboard.js") for src in sources) == (who == "supervisor")
    assert not re.search(r"<[^>]+\sstyle\s*=", content)


def test_the_chart_data_is_a_json_block_with_a_table_of_the_same_numbers(client, supervisor, area):
    response, content = page(client, supervisor)
    blocks = [(a, t) for a, t in scripts_of(content) if a.get("id") == "dashboard-data"]
    assert len(blocks) == 1
    data = json.loads(blocks[0][1])
    assert set(data) == {"forms", "months", "ages"}
    for key in data:
        assert f'data-chart="{key}"' in content
    assert content.count("Xem số liệu") == 3
    assert data == json.loads(json.dumps(response.context["chart_data"]))


# --- the charts' figures are cached per area for a few minutes, and say when they were counted -----------------------


def chart_numbers(response) -> dict[str, list[int]]:
    return {key: data["series"][0]["values"] for key, data in response.context["chart_data"].items()}


def test_the_charts_are_counted_at_most_every_few_minutes_and_say_when_while_the_work_counts_stay_live(
    client, supervisor, officer_a, case_in, area, clock, settings
):
    first, content = page(client, supervisor)
    counted_at = first.context["area"].charts_at
    assert counted_at == NOW + dt.timedelta(days=10)
    assert "Số liệu lúc 09:00" in content
    assert chart_numbers(first)["forms"][0] == 3  # Bạo lực

    clock.shift(dt.timedelta(minutes=2))
    case_in(officer_a, officer_a.unit, "Mai Anh", received_at=LATE)  # one more case of violence, late
    again, content = page(client, supervisor)
    assert again.context["area"].charts_at == counted_at and "Số liệu lúc 09:00" in content
    assert chart_numbers(again) == chart_numbers(first)  # the figures counted at 09:00
    view = again.context["area"]
    # The communes' rows, counted with the caseload card, as at 09:00 too (the two tables show the same moment).
    assert view.communes == first.context["area"].communes and view.figures_at == counted_at
    assert "communes-at" in content and content.count("Số liệu lúc 09:00") == 3  # communes, caseload card, charts
    assert sum(row.total for row in view.states) == 6  # the work counts are live: the new case is there
    assert view.overdue_cases == first.context["area"].overdue_cases + 1
    soon = timezone.now() + dt.timedelta(hours=24)
    due = Deadline.objects.filter(status=DeadlineStatus.OPEN, due_at__lte=soon, case__in=in_reach(supervisor))
    assert again.context["due_count"] == due.count() > first.context["due_count"]
    assert due.filter(case__child__full_name="Mai Anh").exists()

    clock.shift(dt.timedelta(seconds=settings.CHILDPROTECT_CHARTS_CACHE_SECONDS))
    later, content = page(client, supervisor)
    assert later.context["area"].charts_at == counted_at + dt.timedelta(minutes=2, seconds=300)
    assert sum(row.total for row in later.context["area"].communes) == 6  # counted again: the new case is there
    assert "Số liệu lúc 09:07" in content
    assert chart_numbers(later)["forms"][0] == 4


def test_the_cached_charts_of_one_province_are_never_shown_in_another(client, supervisor, officer_a, area):
    far = unit(OTHER_PROVINCE_COMMUNE)
    far_supervisor = UserFactory(username="supervisor_far", role=Role.SUPERVISOR, unit=far.parent)
    theirs, _content = page(client, far_supervisor)  # counted first, and cached under their province
    assert sum(chart_numbers(theirs)["months"]) == 1  # the one case of their province
    ours, _content = page(client, supervisor)
    assert sum(chart_numbers(ours)["months"]) == 5
    again, _content = page(client, far_supervisor)
    assert chart_numbers(again) == chart_numbers(theirs)
    # a commune's staff see no charts (nor the figures kept for their province)
    response, content = page(client, officer_a)
    assert "area" not in response.context and "chart_data" not in response.context and "Số liệu lúc" not in content


def test_the_charts_are_counted_on_every_view_when_the_cache_time_is_0(
    client, supervisor, officer_a, case_in, area, settings
):
    settings.CHILDPROTECT_CHARTS_CACHE_SECONDS = 0
    first, _content = page(client, supervisor)
    case_in(officer_a, officer_a.unit, "Mai Anh", received_at=LATE)
    again, _content = page(client, supervisor)
    assert sum(chart_numbers(again)["months"]) == sum(chart_numbers(first)["months"]) + 1


def test_the_page_opens_with_the_charts_counted_when_the_cache_is_down(client, supervisor, area, settings, caplog):
    # A real Redis client on a port where nothing listens: every get and set fails as when Redis is down.
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "redis://127.0.0.1:1/0"}
    }
    response, content = page(client, supervisor)
    assert response.status_code == 200
    assert sum(chart_numbers(response)["months"]) == 5 and "Số liệu lúc 09:00" in content
    assert "chart cache unreachable" in caplog.text
