"""Caseload and time figures (home/caseload.py): per commune and per officer in reach, each count equal to the cases
list its link opens (on the web and in the API), the medians honest ("—" over no case), the period chosen, the
spreadsheet, who may see them, and a fixed number of queries whatever the number of communes, officers and cases.

The clock stands at 20/11/2026 09:00. Commune A is Phường Hạc Thành (officer A, chair A), commune B Phường Hàm Rồng
(officer B), both in the supervisor's province.
"""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.cache import cache
from django.urls import reverse
from openpyxl import load_workbook

from cases.models import CaseState
from cases.services import report_attach_child
from childprotect.accounts.models import Role
from childprotect.audit.models import AuditEntry
from childprotect.places.models import AdminUnit, UnitLevel
from home.caseload import COUNTS, drill_down, period_from
from tests.factories import UserFactory
from tests.support.builders import act, walk
from tests.support.clock import NOW
from tests.support.crosswalk import crosswalk, file_under

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock", "eager_celery")]

CASELOAD = reverse("caseload")
XLSX = reverse("caseload_xlsx")


@pytest.fixture
def case_in(make_report, make_child):
    """case_in(officer, name, days_ago, **report overrides) -> the Case opened in the officer's commune."""

    def build(officer, name, days_ago=0, **report):
        place = officer.unit
        received = make_report(
            officer, incident_unit=place, received_at=NOW - dt.timedelta(days=days_ago, hours=1), **report
        )
        child = make_child(officer, full_name=name, residence_unit=place)
        report_attach_child(actor=officer, report=received, child=child)
        return received.cases.get(child=child)

    return build


@pytest.fixture
def caseload_world(officer_a, officer_b, chair_a, case_in, officer_x):
    """Commune A: a case at work 10 days after its receipt, one closed and reopened 4 days after, one just received
    (late); commune B: one received 400 days ago, still open; another province's case (out of reach)."""
    at_work = walk(case_in(officer_a, "An", 10), CaseState.IMPLEMENTING, officer=officer_a, chair=chair_a)
    reopened = walk(case_in(officer_a, "Bình", 4), CaseState.CLOSED, officer=officer_a, chair=chair_a)
    act(officer_a, reopened, "reopen")
    fresh = case_in(officer_a, "Cúc", 0)
    old = case_in(officer_b, "Dung", 400)
    far = case_in(officer_x, "Em", 5)
    return {"at_work": at_work, "reopened": reopened, "fresh": fresh, "old": old, "far": far}


def figures(client, user, query=""):
    client.force_login(user)
    response = client.get(CASELOAD + query)
    assert response.status_code == 200
    return response.context["caseload"], response.content.decode()


def listed(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return {c.pk for c in response.context["page"].object_list}, response.context["page"].paginator.count


def test_the_supervisor_sees_every_commune_and_officer_of_the_area_with_honest_medians(
    client, supervisor, officer_a, officer_b, commune_a, commune_b, caseload_world
):
    caseload, content = figures(client, supervisor)
    assert caseload.period.key == "12"
    a, b = caseload.communes
    assert (a.key, b.key) == (commune_a.pk, commune_b.pk)  # the busiest first; no commune of the other province
    assert (a.open, a.received, a.closed, a.reopened) == (3, 3, 1, 1)  # the reopened case is open again
    assert a.median_to_plan == a.median_to_approval == 7.0  # (10 + 4) / 2: the walk drafts and approves at 09:00
    assert a.median_to_closure == 4.0 and a.reopen_rate == 100.0
    assert (b.open, b.received, b.closed) == (1, 0, 0)  # received 400 days ago: open, but not of the period
    assert b.median_to_plan is None and b.median_to_closure is None and b.reopen_rate is None
    assert [o.key for o in caseload.officers] == [officer_a.pk, officer_b.pk]
    assert caseload.officers[0].received == 3 and caseload.officers[1].open == 1
    assert "Khối lượng công việc" in content and "Nguyễn Thị Hoà" in content and "Trần Thị Thuỷ" in content
    assert "—" in content  # commune B's medians: no case to count, not 0


def test_every_count_links_to_exactly_the_cases_counted(client, supervisor, caseload_world):
    caseload, _content = figures(client, supervisor)
    checked = 0
    for row in [*caseload.communes, *caseload.officers]:
        for what in COUNTS:
            assert row.links[what] == drill_down(row.query, what, caseload.period)  # built from parts, the same URL
            ids, count = listed(client, row.links[what])
            assert count == getattr(row, what), (row.name, what, row.links[what])
            assert len(ids) == count
            checked += 1
    assert checked == 4 * len(COUNTS)
    a = caseload.communes[0]
    assert listed(client, a.links["reopened"])[0] == {caseload_world["reopened"].pk}
    assert listed(client, a.links["received"])[0] == {caseload_world[k].pk for k in ("at_work", "reopened", "fresh")}


def test_the_api_case_list_reads_the_same_drill_down_filters(client, supervisor, officer_a, caseload_world):
    caseload, _content = figures(client, supervisor)
    officer = next(r for r in caseload.officers if r.key == officer_a.pk)
    for what in COUNTS:
        query = officer.links[what].split("?", 1)[1]
        response = client.get(f"{reverse('api:case_list')}?{query}")
        assert response.status_code == 200, response.content
        assert response.json()["count"] == getattr(officer, what), what
    assert client.get(reverse("api:case_list") + "?received_from=20-11-2026").status_code == 400


def test_a_drill_down_filter_never_leaves_the_reach(client, officer_a, officer_b, caseload_world, officer_x):
    client.force_login(officer_b)
    assert listed(client, f"{reverse('cases:case_list')}?officer={officer_a.pk}&open=1")[1] == 0
    assert listed(client, f"{reverse('cases:case_list')}?officer={officer_x.pk}")[1] == 0
    assert listed(client, f"{reverse('cases:case_list')}?officer={officer_b.pk}&open=1")[1] == 1
    # Malformed values are ignored, as the list's other filters.
    assert listed(client, f"{reverse('cases:case_list')}?received_from=hôm-nay&officer=abc")[1] == 1


def test_the_chair_sees_their_commune_and_its_officers_only(client, chair_a, officer_a, commune_a, caseload_world):
    caseload, content = figures(client, chair_a)
    assert [r.key for r in caseload.communes] == [commune_a.pk]
    assert [r.key for r in caseload.officers] == [officer_a.pk]
    assert "Trần Thị Thuỷ" not in content


def test_the_administrator_sees_every_commune(client, administrator, commune_x, caseload_world):
    caseload, _content = figures(client, administrator)
    assert commune_x.pk in {r.key for r in caseload.communes}
    assert len(caseload.officers) == 3


@pytest.mark.parametrize("who", ["officer_a", "officer_b", "police", "outsider"])
def test_officers_partners_and_outsiders_get_a_404(client, request, who, commune_x):
    user = (
        UserFactory(username="outsider", role=Role.COMMUNE_OFFICER, unit=commune_x)
        if who == "outsider"
        else request.getfixturevalue(who)
    )
    client.force_login(user)
    assert client.get(CASELOAD).status_code == 404
    assert client.get(XLSX).status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(client):
    assert client.get(CASELOAD).status_code == 302
    assert client.get(XLSX).status_code == 302


def test_the_period_chosen_sets_the_cohort(client, supervisor, caseload_world):
    caseload, content = figures(client, supervisor, "?period=3")
    assert caseload.period.start == dt.date(2026, 8, 21) and caseload.period.end == dt.date(2026, 11, 20)
    assert "21/08/2026" in content
    assert caseload.communes[0].received == 3
    assert figures(client, supervisor, "?period=annual-2026")[0].period.label == "Kỳ báo cáo năm 2026"
    # Unknown: the last 12 months.
    assert period_from("nonsense", dt.date(2026, 11, 20)).key == "12"
    assert figures(client, supervisor, "?period=999")[0].period.key == "12"


def test_the_supervisor_home_shows_the_card_with_links_to_the_lists(client, supervisor, caseload_world):
    client.force_login(supervisor)
    response = client.get(reverse("home"))
    content = response.content.decode()
    card = response.context["caseload"]
    assert 'id="caseload"' in content and "Khối lượng công việc" in content
    assert card.communes[0].links["open"].replace("&", "&amp;") in content
    assert reverse("caseload") in content and reverse("caseload_xlsx") in content


def test_the_spreadsheet_holds_the_figures_in_vietnamese_and_is_audited(client, supervisor, caseload_world):
    client.force_login(supervisor)
    response = client.get(XLSX + "?period=6")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="khoi-luong-cong-viec-6.xlsx"'
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Theo xã, phường", "Theo cán bộ", "Thông tin"]
    communes = list(book["Theo xã, phường"].values)
    assert communes[0][:4] == ("Xã, phường", "Đang xử lý", "Có việc quá hạn", "Tiếp nhận trong kỳ")
    assert communes[1][0] == "Phường Hạc Thành" and communes[1][1] == 3 and communes[1][4] == 7
    assert communes[2][0] == "Phường Hàm Rồng" and communes[2][4] == "—"
    about = dict(book["Thông tin"].values)
    assert about["Hồ sơ tiếp nhận"] == "21/05/2026 – 20/11/2026"
    assert about["Số liệu lúc"] == "20/11/2026 09:00"
    entry = AuditEntry.objects.get(action="export.caseload")
    assert entry.actor == supervisor and entry.changes["period"] == "6"


def test_the_caseload_page_costs_the_same_queries_with_more_communes_officers_and_cases(
    client, supervisor, officer_a, officer_b, commune_a, commune_b, chair_a, case_in, django_assert_num_queries
):
    client.force_login(supervisor)
    case_in(officer_a, "An", 3)
    with django_assert_num_queries(100, exact=False) as few:
        client.get(CASELOAD)
    for i in range(4):
        extra = UserFactory(role=Role.COMMUNE_OFFICER, unit=commune_a if i % 2 else commune_b, full_name=f"Cán bộ {i}")
        case = case_in(extra, f"Trẻ {i}", i)
        if i % 2:
            walk(case, CaseState.CLOSED, officer=extra, chair=chair_a)
    case_in(officer_b, "Giang", 20)
    with django_assert_num_queries(len(few)):
        response = client.get(CASELOAD)
    assert len(response.context["caseload"].officers) == 6 and len(response.context["caseload"].communes) == 2


@pytest.mark.parametrize(("who", "shown"), [("chair_a", True), ("officer_a", False), ("administrator", True)])
def test_the_home_page_links_to_the_caseload_page_for_who_may_see_it(client, request, who, shown):
    client.force_login(request.getfixturevalue(who))
    assert (reverse("caseload") in client.get(reverse("home")).content.decode()) is shown


def test_the_supervisor_home_costs_the_same_queries_with_more_communes_officers_and_cases(
    client, supervisor, officer_a, chair_a, province, case_in, django_assert_num_queries
):
    """One commune, one officer, one case; then four communes, fifteen officers, fifteen cases at every stage."""
    client.force_login(supervisor)
    case_in(officer_a, "An", 2)
    client.get(reverse("home"))  # the session warmed
    cache.clear()
    with django_assert_num_queries(100, exact=False) as few:
        client.get(reverse("home"))
    communes = list(AdminUnit.objects.filter(parent=province, level=UnitLevel.COMMUNE).order_by("code")[:4])
    stages = [CaseState.RECEIVED, CaseState.IMPLEMENTING, CaseState.CLOSED]
    for i in range(14):
        place = communes[i % 4]
        officer = UserFactory(role=Role.COMMUNE_OFFICER, unit=place, full_name=f"Cán bộ {i}")
        chair = UserFactory(role=Role.COMMUNE_CHAIR, unit=place)
        case = walk(case_in(officer, f"Trẻ {i}", i * 20), stages[i % 3], officer=officer, chair=chair)
        if i % 3 == 2 and i % 2:
            act(officer, case, "reopen")
    cache.clear()
    with django_assert_num_queries(len(few)):
        response = client.get(reverse("home"))
    card = response.context["caseload"]
    assert len(card.communes) == 4 and len(card.officers) == 10  # the card's top rows


def test_an_old_commune_taken_over_whole_counts_in_its_successors_row_and_a_split_one_in_its_own(
    client, supervisor, commune_a, new_case
):
    """2024 cases not moved yet: Phường Điện Biên's (→ commune A) in commune A's row, whose list shows them; the split
    Phường Đông Cương's in a row of its own, named so; every count still its list's."""
    xw = crosswalk()
    file_under(new_case(child_name="Lê Văn Bình"), xw.dien_bien)
    file_under(new_case(child_name="Phạm Văn Dũng"), xw.dong_cuong)
    new_case(child_name="Đỗ Thị Em")
    caseload, _content = figures(client, supervisor)
    rows = {r.key: r for r in caseload.communes}
    assert set(rows) == {commune_a.pk, xw.dong_cuong.pk}
    assert rows[commune_a.pk].open == 2 and rows[commune_a.pk].name == commune_a.name
    assert rows[xw.dong_cuong.pk].open == 1 and "đã chia tách" in rows[xw.dong_cuong.pk].name
    for row in caseload.communes:
        for what in COUNTS:
            assert listed(client, row.links[what])[1] == getattr(row, what), (row.name, what)


def test_the_home_card_is_kept_a_few_minutes_and_says_when_the_page_is_live(
    client, supervisor, officer_a, case_in, caseload_world, clock, settings
):
    """The card reads a year of cases with their steps: kept like the charts, under the reach and the day, and it
    says when it was counted; the caseload page counts on every view."""
    client.force_login(supervisor)
    first = client.get(reverse("home"))
    card = first.context["caseload"]
    assert card.computed_at == NOW and "Số liệu lúc 09:00" in first.content.decode()
    a_open = card.communes[0].open

    clock.shift(dt.timedelta(minutes=2))
    case_in(officer_a, "Giang", 0)
    again = client.get(reverse("home")).context["caseload"]
    assert again.computed_at == NOW and again.communes[0].open == a_open  # the card as counted at 09:00
    assert figures(client, supervisor)[0].communes[0].open == a_open + 1  # the page: now

    clock.shift(dt.timedelta(seconds=settings.CHILDPROTECT_CHARTS_CACHE_SECONDS))
    later = client.get(reverse("home"))
    assert later.context["caseload"].communes[0].open == a_open + 1
    assert "Số liệu lúc 09:07" in later.content.decode()


def test_the_kept_card_of_one_province_is_never_shown_in_another(client, supervisor, officer_x, caseload_world):
    far = officer_x.unit.parent
    client.force_login(UserFactory(username="supervisor_far", role=Role.SUPERVISOR, unit=far))
    theirs = client.get(reverse("home")).context["caseload"]  # counted first, kept under their province
    assert [r.key for r in theirs.communes] == [officer_x.unit_id]
    client.force_login(supervisor)
    ours = client.get(reverse("home")).context["caseload"]
    assert [r.name for r in ours.communes] == ["Phường Hạc Thành", "Phường Hàm Rồng"]


def test_the_card_is_counted_on_every_view_when_the_cache_time_is_0(
    client, supervisor, officer_a, case_in, caseload_world, settings
):
    settings.CHILDPROTECT_CHARTS_CACHE_SECONDS = 0
    client.force_login(supervisor)
    before = client.get(reverse("home")).context["caseload"].communes[0].open
    case_in(officer_a, "Giang", 0)
    assert client.get(reverse("home")).context["caseload"].communes[0].open == before + 1
