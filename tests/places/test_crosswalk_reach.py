"""Records filed under a 2024 commune: in reach of the commune that took it over whole and of the supervisors of its
province; a split commune's only of the supervisors (docs/law.md#the-2025-reform). Lists show them under the
successor with the old name kept."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from cases.selectors import cases_visible_to, children_visible_to, reports_visible_to
from childprotect.accounts.models import Role
from childprotect.accounts.selectors import jurisdiction_unit_ids, user_reaches_unit
from childprotect.places.models import AdminUnit, SuccessionKind, UnitLevel, UnitSuccession
from childprotect.places.selectors import successors_of, unit_reach
from reporting.periods import period_for
from reporting.services import figures_for, report_prepare
from tests.factories import UserFactory, unit
from tests.support.crosswalk import crosswalk, file_under, link, old_units
from tests.support.pages import html
from tests.support.places import OTHER_PROVINCE_COMMUNE

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock", "eager_celery")]


def fresh(user):
    """The user as a new request loads them (the reach is read once per user object)."""
    return type(user).objects.select_related("unit").get(pk=user.pk)


def sees(user, case) -> dict[str, bool]:
    """What of the case's records `user` reaches by place (the report's receiver, officer A, always sees her report:
    it is left out for her)."""
    user = fresh(user)
    seen = {
        "case": cases_visible_to(user).filter(pk=case.pk).exists(),
        "child": children_visible_to(user).filter(pk=case.child_id).exists(),
        "report": reports_visible_to(user).filter(pk=case.report_id).exists(),
    }
    if case.report.received_by_id == user.pk:
        seen["report"] = seen["case"]
    return seen


ALL = {"case": True, "child": True, "report": True}
NONE = {"case": False, "child": False, "report": False}


def page_status(user, url: str) -> int:
    client = Client()
    client.force_login(user)
    return client.get(url).status_code


def test_before_the_crosswalk_an_old_communes_records_are_out_of_everyones_reach_but_the_administrators(
    new_case, officer_a, chair_a, supervisor, administrator
):
    xw = old_units()
    case = file_under(new_case(), xw.dien_bien)

    for person in (officer_a, chair_a, supervisor):
        assert sees(person, case) == NONE
    assert sees(administrator, case) == ALL


def test_a_whole_predecessors_records_are_in_reach_of_the_successors_staff_and_the_provinces_supervisors(
    new_case, officer_a, chair_a, officer_b, supervisor, officer_x
):
    xw = old_units()
    case = file_under(new_case(), xw.dien_bien)
    assert sees(officer_a, case) == NONE

    link(xw)

    for person in (officer_a, chair_a, supervisor):
        assert sees(person, case) == ALL, person
    for person in (officer_b, officer_x):
        assert sees(person, case) == NONE, person
    url = reverse("cases:case_detail", args=[case.pk])
    assert [page_status(p, url) for p in (officer_a, chair_a, supervisor, officer_b, officer_x)] == [
        200,
        200,
        200,
        404,
        404,
    ]
    child_url = reverse("cases:child_detail", args=[case.child_id])
    assert (page_status(officer_a, child_url), page_status(officer_b, child_url)) == (200, 404)


def test_commune_bs_predecessor_is_its_own_not_commune_as(new_case, officer_a, officer_b, supervisor):
    xw = crosswalk()
    case = file_under(new_case(), xw.nam_ngan)

    assert (sees(officer_a, case), sees(officer_b, case), sees(supervisor, case)) == (NONE, ALL, ALL)


def test_a_split_communes_records_are_for_the_supervisors_only_until_rehomed(
    new_case, officer_a, chair_a, officer_b, supervisor, officer_x
):
    xw = crosswalk()
    case = file_under(new_case(), xw.dong_cuong)

    for person in (officer_a, chair_a, officer_b, officer_x):
        assert sees(person, case) == NONE, person
    assert sees(supervisor, case) == ALL
    url = reverse("cases:case_detail", args=[case.pk])
    assert (page_status(officer_a, url), page_status(supervisor, url)) == (404, 200)


def test_the_reach_of_a_commune_and_of_a_province(officer_a, supervisor, commune_a, province):
    xw = crosswalk()

    assert set(unit_reach(commune_a)) == {commune_a, xw.dien_bien, xw.lam_son}
    province_reach = set(unit_reach(province).values_list("pk", flat=True))
    assert {xw.dien_bien.pk, xw.lam_son.pk, xw.nam_ngan.pk, xw.dong_cuong.pk, commune_a.pk} <= province_reach
    assert not {xw.province.pk, xw.district.pk} & province_reach  # old units above communes are no one's successor
    assert unit(OTHER_PROVINCE_COMMUNE).pk not in province_reach


def test_reaching_a_unit_of_the_users_list_takes_no_query_and_an_old_one_one_per_user(
    officer_a, supervisor, commune_b, django_assert_num_queries
):
    xw = crosswalk()
    officer_a, supervisor = fresh(officer_a), fresh(supervisor)

    with django_assert_num_queries(0):
        assert not user_reaches_unit(officer_a, commune_b)
        assert user_reaches_unit(supervisor, commune_b)
    with django_assert_num_queries(1):
        assert user_reaches_unit(officer_a, xw.dien_bien)
        assert not user_reaches_unit(officer_a, xw.dong_cuong)
        assert not user_reaches_unit(officer_a, xw.nam_ngan)
        jurisdiction_unit_ids(officer_a)
    with django_assert_num_queries(1):
        assert all(user_reaches_unit(supervisor, u) for u in (xw.dien_bien, xw.nam_ngan, xw.dong_cuong))


def test_a_supervisor_of_a_2024_district_keeps_the_2024_subtree(new_case, commune_a):
    xw = crosswalk()
    district_supervisor = UserFactory(username="supervisor_380", role=Role.SUPERVISOR, unit=xw.district)
    old = file_under(new_case(child_name="Lê Văn Bình"), xw.dong_cuong)
    current = new_case(child_name="Trần Văn Cường")

    visible = set(cases_visible_to(fresh(district_supervisor)))
    assert old in visible and current not in visible
    assert set(jurisdiction_unit_ids(fresh(district_supervisor)) or []) == {
        xw.district.pk,
        xw.dien_bien.pk,
        xw.lam_son.pk,
        xw.nam_ngan.pk,
        xw.dong_cuong.pk,
    }


def test_successors_whole_split_and_through_the_2025_list(commune_a, commune_b):
    xw = crosswalk()
    # A 2025 commune between the two lists: 2024 Lam Sơn's line is replaced by 2024 → 2025 → 2026.
    province_2025 = AdminUnit.objects.create(
        list_version=2025, code="38", name="Tỉnh Thanh Hóa", unit_type="Tỉnh", level=UnitLevel.PROVINCE
    )
    hac_thanh_2025 = AdminUnit.objects.create(
        list_version=2025,
        code="14797",
        name="Phường Hạc Thành",
        unit_type="Phường",
        level=UnitLevel.COMMUNE,
        parent=province_2025,
    )
    UnitSuccession.objects.filter(old=xw.lam_son).update(new=hac_thanh_2025)
    UnitSuccession.objects.create(old=hac_thanh_2025, new=commune_a, kind=SuccessionKind.WHOLE)

    found = successors_of([xw.dien_bien.pk, xw.lam_son.pk, xw.dong_cuong.pk, commune_a.pk])

    assert found[xw.dien_bien.pk].successor == commune_a
    assert found[xw.dien_bien.pk].label() == "Phường Hạc Thành (trước đây: Phường Điện Biên)"
    assert found[xw.lam_son.pk].successor == commune_a
    assert found[xw.dong_cuong.pk].successor is None
    assert set(found[xw.dong_cuong.pk].units) == {commune_a, commune_b}
    assert found[xw.dong_cuong.pk].label() == "Phường Đông Cương (đã chia tách, cần quyết định)"
    assert commune_a.pk not in found
    assert {xw.lam_son, hac_thanh_2025, xw.dien_bien} <= set(unit_reach(commune_a))


def test_lists_show_an_old_commune_under_its_successor_with_its_old_name(client, new_case, officer_a, supervisor):
    xw = crosswalk()
    case = file_under(new_case(), xw.dien_bien)
    label = "Phường Hạc Thành (trước đây: Phường Điện Biên)"

    client.force_login(officer_a)
    assert label in html(client.get(reverse("cases:case_list")))
    assert label in html(client.get(reverse("cases:child_list")))
    # Filtering by the successor lists its predecessors' cases too.
    filtered = html(client.get(reverse("cases:case_list") + f"?unit={officer_a.unit_id}"))
    assert str(case) in filtered

    client.force_login(supervisor)
    home = html(client.get(reverse("home")))
    assert label in home  # the dashboard's row of communes


def test_a_communes_figures_count_its_whole_predecessors_records_shown_by_commune_under_it(
    new_case, commune_a, commune_b
):
    xw = crosswalk()
    file_under(new_case(child_name="Lê Văn Bình"), xw.dien_bien)
    file_under(new_case(child_name="Trần Thị Cúc"), xw.dong_cuong)  # split: nobody's own until re-homed
    new_case(child_name="Phạm Văn Dũng")

    figures = figures_for(commune_a, period_for("annual", 2026))

    assert set(figures["units"]) == {commune_a.pk, xw.dien_bien.pk, xw.lam_son.pk}
    received = figures["indicators"]["R01"]
    assert received["total"] == 2
    assert sorted(label for _key, label, _n in received["by"]["commune"]) == [
        "Phường Hạc Thành",
        "Phường Hạc Thành (trước đây: Phường Điện Biên)",
    ]


@pytest.mark.parametrize(
    ("name", "of"),
    [
        ("cases:case_detail", "case"),
        ("cases:case_act", "case"),
        ("cases:child_detail", "child"),
        ("cases:child_edit", "child"),
        ("cases:report_detail", "report"),
        ("cases:report_children", "report"),
    ],
)
def test_every_page_of_an_old_communes_records_follows_the_crosswalk(
    name, of, new_case, chair_a, officer_b, supervisor, officer_x
):
    xw = crosswalk()
    whole = file_under(new_case(child_name="Lê Văn Bình"), xw.dien_bien)
    split = file_under(new_case(child_name="Trần Thị Cúc"), xw.dong_cuong)

    def url(case) -> str:
        pk = {"case": case.pk, "child": case.child_id, "report": case.report_id}[of]
        kwargs = {"pk": pk, "action": "assess_initial"} if name == "cases:case_act" else {"pk": pk}
        return reverse(name, kwargs=kwargs)

    # Chair A rather than officer A: the officer logged the reports, and sees them for that.
    assert page_status(chair_a, url(whole)) in (200, 403)  # in reach (a step not hers is refused, not hidden)
    assert page_status(supervisor, url(whole)) in (200, 403)
    assert page_status(supervisor, url(split)) in (200, 403)
    for outsider in (officer_b, officer_x):
        assert page_status(outsider, url(whole)) == 404
    assert page_status(chair_a, url(split)) == 404


def test_a_figures_drill_down_shows_an_old_commune_under_its_successor(client, new_case, chair_a, commune_a):
    xw = crosswalk()
    file_under(new_case(child_name="Lê Văn Bình"), xw.dien_bien)
    report = report_prepare(actor=chair_a, unit=commune_a, kind="annual", year=2026)
    client.force_login(chair_a)

    for code in ("R01", "K02"):
        page = html(client.get(reverse("reporting:report_figure", args=[report.pk, code])))
        assert "Phường Hạc Thành (trước đây: Phường Điện Biên)" in page, code
