"""Periodic figures count each case where it was: a case's record for the commune that held the case at the record's
moment (CaseCustody once a case moved, Case.unit otherwise), the stock of open cases where they were at the period's
end; the communes' figures add up to the province's with no case counted twice or lost; the drill-down says so.

The period is the first 6-month period of 2026 (15/12/2025–14/06/2026); the clock stands at its last day (JUNE) once
the cases are built. A transfer is simulated as the transfer step does it: `custody_move`, then the case's commune."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.urls import reverse

from cases.custody import custody_move
from cases.models import Case, CaseCustody
from reporting import indicators
from reporting.periods import period_for
from tests.support.builders import SEMI, walk
from tests.support.clock import JUNE, local
from tests.support.pages import html

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock", "eager_celery"), pytest.mark.clock_at(JUNE)]
PERIOD = period_for(SEMI, 2026)
WITH_COMMUNE = [i.code for i in indicators.INDICATORS if "commune" in i.dims_by_name]


@pytest.fixture(autouse=True, params=["literal", "subquery"])
def stays_read_as(request, monkeypatch):
    """Every test both ways the figures read the stays: literal ranges (a commune's few moves) and a subquery (a
    province or the country computed directly, past LITERAL_STAYS)."""
    monkeypatch.setattr(indicators, "LITERAL_STAYS", 30 if request.param == "literal" else 0)
    return request.param


def move(clock, case: Case, to_unit, officer, at: dt.datetime) -> Case:
    """The case leaves its commune for `to_unit` at `at` (its officer now one of the receiving commune)."""
    clock.move_to(at)
    case.refresh_from_db()
    custody_move(case, to_unit, at)
    case.unit, case.officer = to_unit, officer
    case.save(update_fields=["unit", "officer"])
    return case


def ids(code: str, units: list[int], dim: str = "", key: Any = None) -> set[int]:
    """The cases behind a figure (as the drill-down finds them, before reach)."""
    indicator = indicators.BY_CODE[code]
    rows = indicator.matching(units, PERIOD, dim, key)
    return set(Case.objects.filter(pk__in=rows.values(indicator.case_path or "pk")).values_list("pk", flat=True))


def totals(figures: dict[str, Any]) -> dict[str, int]:
    return {code: data["total"] for code, data in figures.items()}


def by_commune(figures: dict[str, Any], code: str) -> dict[int, int]:
    return {key: n for key, _label, n in figures[code]["by"].get("commune", [])}


@pytest.fixture
def moved(clock, case_in, officer_a, chair_a, officer_b, chair_b, commune_a, commune_b):
    """X: reported in A, plan approved in A, moved to B mid-period, closed in B. Y: reported in A, moved to B
    mid-period, still open. Z: reported in A and moved to B before the period, its plan approved in B. W: never moved
    (A). V: never moved (B)."""
    cases: dict[str, Case] = {}
    clock.move_to(local(2025, 11, 1, 9))
    cases["Z"] = case_in(officer_a, commune_a, "Trẻ Z", received_at=local(2025, 11, 1, 8))
    move(clock, cases["Z"], commune_b, officer_b, local(2025, 12, 1, 9))
    clock.move_to(local(2026, 1, 5, 9))
    cases["X"] = case_in(officer_a, commune_a, "Trẻ X", received_at=local(2026, 1, 5, 8))
    cases["Y"] = case_in(officer_a, commune_a, "Trẻ Y", received_at=local(2026, 1, 5, 8, 30))
    cases["W"] = case_in(officer_a, commune_a, "Trẻ W", received_at=local(2026, 1, 5, 8, 45))
    cases["V"] = case_in(officer_b, commune_b, "Trẻ V", received_at=local(2026, 1, 5, 8, 50))
    walk(cases["X"], "implementing", officer=officer_a, chair=chair_a)
    clock.move_to(local(2026, 2, 2, 9))
    walk(cases["Z"], "implementing", officer=officer_b, chair=chair_b)
    for name in ("X", "Y"):
        move(clock, cases[name], commune_b, officer_b, local(2026, 3, 2, 9))
    clock.move_to(local(2026, 4, 1, 9))
    walk(cases["X"], "closed", officer=officer_b, chair=chair_b)
    clock.move_to(JUNE)
    return {name: Case.objects.get(pk=case.pk) for name, case in cases.items()}


def test_a_case_counts_where_it_was_at_each_records_moment(moved, commune_a, commune_b):
    a, b, cases = [commune_a.pk], [commune_b.pk], {c.pk: name for name, c in moved.items()}

    def named(code: str, units: list[int]) -> set[str]:
        return {cases[pk] for pk in ids(code, units)}

    # X and Y reported in A: their reports received count for A, though both are in B now.
    assert named("C04", a) == {"X", "Y", "W"} and named("C04", b) == {"V"}
    assert named("C02", a) == {"X", "Y", "W"}
    # X's plan was approved in A, Z's in B (Z moved before the period).
    assert named("P01", a) == named("S01", a) == {"X"}
    assert named("P01", b) == named("S01", b) == {"Z"}
    # X's steps with a time limit (the law's, T01, or the settings', T02) in A before the move; after it, in B.
    timed_a, timed_b = named("T01", a) | named("T02", a), named("T01", b) | named("T02", b)
    assert "X" in timed_a and "X" in timed_b and "Z" not in timed_a
    # X closed after its move: for B. Open at the end of the period: where the case was then.
    assert named("K01", a) == set() and named("K01", b) == {"X"}
    assert named("K02", a) == {"W"} and named("K02", b) == {"Y", "Z", "V"}
    # The stays as the transfer left them.
    x = list(CaseCustody.objects.filter(case=moved["X"]).order_by("id").values_list("unit_id", "since", "until"))
    assert x == [
        (commune_a.pk, None, local(2026, 3, 2, 9)),
        (commune_b.pk, local(2026, 3, 2, 9), None),
    ]


def test_a_case_moved_before_the_period_counts_only_for_where_it_went(moved, commune_a, commune_b):
    z = moved["Z"].pk

    for code in ("C04", "C02", "S01", "P01", "E01", "F01", "F02", "K01", "K02", "T01", "T02"):
        assert z not in ids(code, [commune_a.pk]), code
    assert z in ids("K02", [commune_b.pk]) and z in ids("P01", [commune_b.pk])


def test_the_communes_figures_add_up_to_the_whole_with_no_case_counted_twice_or_lost(
    moved, commune_a, commune_b, province
):
    a = indicators.compute_all([commune_a.pk], PERIOD)
    b = indicators.compute_all([commune_b.pk], PERIOD)
    both = indicators.compute_all([commune_a.pk, commune_b.pk], PERIOD)

    assert totals(both) == {code: a[code]["total"] + b[code]["total"] for code in both}
    assert totals(indicators.aggregate([a, b])) == totals(both)  # the province's report: its communes' reports summed
    for code in WITH_COMMUNE:
        if code == "R01":  # reports received: by the incident's commune, never moved by a transfer
            continue
        expected = {k: n for k, n in ((commune_a.pk, a[code]["total"]), (commune_b.pk, b[code]["total"])) if n}
        assert by_commune(both, code) == expected, code
        assert by_commune(a, code) == ({commune_a.pk: a[code]["total"]} if a[code]["total"] else {}), code
    assert (a["K02"]["total"], b["K02"]["total"], both["K02"]["total"]) == (1, 3, 4)
    assert (a["K01"]["total"], b["K01"]["total"]) == (0, 1)


def test_a_move_changes_no_province_total_only_the_communes_share(moved, clock, commune_a, commune_b, officer_b):
    both = [commune_a.pk, commune_b.pk]
    before = indicators.compute_all(both, PERIOD)
    a_before = indicators.compute_all([commune_a.pk], PERIOD)

    move(clock, moved["W"], commune_b, officer_b, JUNE - dt.timedelta(hours=1))

    after = indicators.compute_all(both, PERIOD)
    a_after = indicators.compute_all([commune_a.pk], PERIOD)
    assert totals(after) == totals(before)
    # W's report stays with A; W, open at the end of the period, is now B's.
    assert a_after["C04"]["total"] == a_before["C04"]["total"] == 3
    assert (a_before["K02"]["total"], a_after["K02"]["total"]) == (1, 0)
    assert by_commune(after, "K02") == {commune_b.pk: 4}
    # Reports received stay with the incident's commune: a case's transfer does not move them.
    assert by_commune(after, "R01") == by_commune(before, "R01")


def test_a_record_made_at_the_instant_of_a_move_counts_for_the_commune_it_went_to(
    clock, case_in, officer_a, officer_b, commune_a, commune_b
):
    case = case_in(officer_a, commune_a, "Trẻ Đi Về", received_at=local(2026, 2, 1, 8))
    move(clock, case, commune_b, officer_b, local(2026, 2, 1, 8))  # at the instant the report was received
    move(clock, case, commune_a, officer_a, local(2026, 3, 1, 8))  # and back

    assert case.pk in ids("C04", [commune_b.pk]) and case.pk not in ids("C04", [commune_a.pk])
    assert case.pk in ids("K02", [commune_a.pk]) and case.pk not in ids("K02", [commune_b.pk])
    assert ids("C04", [commune_b.pk], "commune", commune_b.pk) == {case.pk}


def figure(report, code: str, dim: str = "", key: Any = None) -> str:
    url = reverse("reporting:report_figure", args=[report.pk, code])
    return url + (f"?dim={dim}&key={json.dumps(key)}" if dim else "")


def test_the_drill_down_of_the_commune_it_left_lists_it_as_moved_and_says_how_it_counts(
    moved, client, commune_report, officer_a, supervisor, commune_a
):
    report = commune_report(officer_a, commune_a)
    client.force_login(supervisor)

    page = client.get(figure(report, "C04"))
    assert {c.pk for c in page.context["page"]} == {moved[n].pk for n in ("X", "Y", "W")}
    text = html(page)
    assert (
        "Hồ sơ chuyển xã, phường được tính cho xã, phường đang quản lý hồ sơ vào thời điểm tiếp nhận thông tin" in text
    )
    assert text.count("đã chuyển</span>") == 2
    assert text.count("nay do Phường Hàm Rồng quản lý") == 2
    by_commune_page = html(client.get(figure(report, "K01", "commune", commune_a.pk)))
    assert "vào thời điểm đóng hồ sơ" in by_commune_page and "đã chuyển</span>" not in by_commune_page
    # The commune it left no longer reaches the moved cases: its officer's list has the one still there.
    client.force_login(officer_a)
    assert [c.pk for c in client.get(figure(report, "C04")).context["page"]] == [moved["W"].pk]
    # Reports received are listed by the incident's commune, with no such note.
    assert "được tính cho xã, phường đang quản lý" not in html(client.get(figure(report, "R01")))


def test_the_figure_pages_run_as_many_queries_with_more_moved_cases(
    moved, client, clock, commune_report, officer_a, officer_b, supervisor, commune_a, commune_b,
    django_assert_num_queries,
):  # fmt: skip
    report = commune_report(officer_a, commune_a)
    client.force_login(supervisor)
    urls = [figure(report, "C04"), figure(report, "C04", "commune", commune_a.pk), figure(report, "P01")]
    for url in urls:
        client.get(url)  # the session warmed
    counts = []
    for url in urls:
        with django_assert_num_queries(200, exact=False) as captured:
            assert client.get(url).status_code == 200
        counts.append(len(captured))

    move(clock, moved["W"], commune_b, officer_b, JUNE - dt.timedelta(hours=1))
    for url, count in zip(urls, counts, strict=True):
        with django_assert_num_queries(count):
            assert client.get(url).status_code == 200
    # The page's own count (pinned in tests/queries/test_page_queries.py): the moved cases are read once, whatever
    # their number, and each row's note comes from the case's commune already on the row.
    assert counts == [10, 10, 10]
