"""Periodic-report pages: the flow as users click it, every view against the cast, and the figures' drill-down."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from reporting.models import PeriodicReport, ReportStatus
from reporting.services import report_prepare
from tests.support.builders import SEMI
from tests.support.builders import report_step as act
from tests.support.clock import JUNE
from tests.support.pages import html, version_on

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock", "eager_celery"), pytest.mark.clock_at(JUNE)]


def detail(report) -> str:
    return reverse("reporting:report_detail", args=[report.pk])


def step(report, action: str) -> str:
    return reverse("reporting:report_act", args=[report.pk, action])


def figure(report, code: str, dim: str = "", key=None) -> str:
    url = reverse("reporting:report_figure", args=[report.pk, code])
    return url + (f"?dim={dim}&key={json.dumps(key)}" if dim else "")


def test_the_commune_report_clicked_through_and_every_figure_links_to_its_cases(
    client, case_in, officer_a, chair_a, supervisor, commune_a
):
    boy = case_in(officer_a, commune_a, "Nguyễn Văn An")
    girl = case_in(officer_a, commune_a, "Lê Thị Hoa", child={"sex": "female"})
    client.force_login(officer_a)
    listing = client.get(reverse("reporting:report_list"))
    assert listing.status_code == 200
    response = client.post(reverse("reporting:report_new"), {"kind": SEMI, "year": 2026})
    report = PeriodicReport.objects.get()
    assert response.url == detail(report)

    page = client.get(detail(report))
    assert [s.action for s in page.context["steps"]] == ["edit", "recompute"]
    assert figure(report, "C04") in html(page)
    assert f"{figure(report, 'C04')}?dim=sex&amp;key=%22female%22" in html(page)
    form = client.get(step(report, "edit"))
    client.post(
        step(report, "edit"),
        {"version": version_on(form), "number": "", "results": "Tiếp nhận 2 vụ.", "difficulties": "", "proposals": ""},
    )

    # The drill-down: the girls' figure lists the girl's case only.
    girls = client.get(figure(report, "C04", "sex", "female"))
    assert list(girls.context["page"]) == [girl]
    assert list(client.get(figure(report, "C04")).context["page"]) == [girl, boy]
    received = client.get(figure(report, "R01"))
    assert received.context["reports"] and len(received.context["page"]) == 2

    client.force_login(chair_a)
    form = client.get(step(report, "submit"))
    response = client.post(
        step(report, "submit"),
        {
            "version": version_on(form),
            "number": "15",
            "results": "Tiếp nhận 2 vụ.",
            "difficulties": "",
            "proposals": "",
        },
    )
    assert response.url == detail(report)
    client.force_login(supervisor)
    board = client.get(reverse("reporting:report_list"))
    assert (commune_a, report) in [(u, r) for u, r in board.context["board"]]
    form = client.get(step(report, "approve"))
    client.post(step(report, "approve"), {"version": version_on(form)})
    report.refresh_from_db()
    assert (report.status, report.number, report.results) == (ReportStatus.APPROVED, "15", "Tiếp nhận 2 vụ.")


@pytest.fixture
def report_a(case_in, officer_a, commune_a):
    case_in(officer_a, commune_a, "Nguyễn Văn An")
    return report_prepare(actor=officer_a, unit=commune_a, kind=SEMI, year=2026)


def urls(report) -> dict[str, str]:
    return {
        "list": reverse("reporting:report_list"),
        "detail": detail(report),
        "edit": step(report, "edit"),
        "submit": step(report, "submit"),
        "approve": step(report, "approve"),
        "figure": figure(report, "C04"),
        "figure_sex": figure(report, "C04", "sex", "male"),
    }


# Each page's status for each of the cast, in the order of PAGES.
PAGES = ("list", "detail", "edit", "submit", "approve", "figure", "figure_sex")


def statuses(*codes: int) -> dict[str, int]:
    return dict(zip(PAGES, codes, strict=True))


EXPECTED = {
    "officer_a": statuses(200, 200, 200, 403, 403, 200, 200),
    "chair_a": statuses(200, 200, 200, 200, 403, 200, 200),
    "officer_b": statuses(200, 404, 404, 404, 404, 404, 404),
    # The supervisor reviews: approving a draft is refused with a message, not a 403.
    "supervisor": statuses(200, 200, 403, 403, 302, 200, 200),
    "police": statuses(404, 404, 404, 404, 404, 404, 404),
    "admin": statuses(200, 200, 403, 403, 403, 200, 200),
}


@pytest.mark.parametrize("who", list(EXPECTED))
def test_every_report_view_for_each_of_the_cast(client, report_a, cast, who):
    client.force_login(cast[who])
    before = PeriodicReport.objects.values().get(pk=report_a.pk)

    got = {name: client.get(url).status_code for name, url in urls(report_a).items()}

    assert got == EXPECTED[who]
    assert PeriodicReport.objects.values().get(pk=report_a.pk) == before


@pytest.mark.parametrize("name", ["list", "detail", "edit", "figure"])
def test_anonymous_visitors_are_sent_to_the_login_page(client, report_a, name):
    response = client.get(urls(report_a)[name])

    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_outsiders_posting_change_nothing(client, report_a, officer_b, police):
    for user in (officer_b, police):
        client.force_login(user)
        for action in ("edit", "submit", "approve", "return"):
            response = client.post(step(report_a, action), {"version": report_a.version, "results": "x", "note": "x"})
            assert response.status_code == 404
    client.force_login(police)
    assert client.post(reverse("reporting:report_new"), {"kind": SEMI, "year": 2026}).status_code == 404
    report_a.refresh_from_db()
    assert (report_a.status, report_a.results) == (ReportStatus.DRAFT, "")
    assert PeriodicReport.objects.count() == 1


def test_a_bad_figure_address_is_a_404_not_a_500(client, report_a, officer_a):
    client.force_login(officer_a)
    base = reverse("reporting:report_figure", args=[report_a.pk, "C04"])

    assert client.get(reverse("reporting:report_figure", args=[report_a.pk, "X99"])).status_code == 404
    assert client.get(base + "?dim=nope&key=1").status_code == 404
    assert client.get(base + "?dim=sex&key=%7Bbad").status_code == 404


def test_a_bad_year_is_refused_in_vietnamese(client, officer_a):
    client.force_login(officer_a)

    response = client.post(reverse("reporting:report_new"), {"kind": SEMI, "year": "abc"}, follow=True)

    assert "Kỳ hoặc năm báo cáo không hợp lệ." in html(response)
    assert not PeriodicReport.objects.exists()


def test_a_stale_form_keeps_the_input(client, report_a, officer_a, chair_a):
    client.force_login(officer_a)
    form = client.get(step(report_a, "edit"))
    act(chair_a, report_a, "edit", results="Bản của chủ tịch.")

    response = client.post(
        step(report_a, "edit"),
        {"version": version_on(form), "number": "", "results": "Bản của cán bộ.", "difficulties": "", "proposals": ""},
    )

    assert response.status_code == 200
    assert "Báo cáo vừa được người khác cập nhật." in html(response) and "Bản của cán bộ." in html(response)
    assert PeriodicReport.objects.get(pk=report_a.pk).results == "Bản của chủ tịch."


def test_the_detail_page_takes_a_fixed_number_of_queries(
    client, report_a, officer_a, case_in, commune_a, django_assert_num_queries
):
    client.force_login(officer_a)
    client.get(detail(report_a))
    with django_assert_num_queries(100, exact=False) as first:
        client.get(detail(report_a))
    for i in range(5):
        case_in(officer_a, commune_a, f"Trẻ {i}", child={"sex": "female" if i % 2 else "male"})
    act(officer_a, report_a, "recompute")
    with django_assert_num_queries(len(first)) as second:
        client.get(detail(report_a))

    assert len(second) == len(first)


def test_a_figure_with_nothing_behind_it_says_so(client, officer_a, commune_a):
    """An empty drill-down says there is nothing, rather than showing table headers over no rows (found on the
    browser journey's 6-month report)."""
    report = report_prepare(actor=officer_a, unit=commune_a, kind=SEMI, year=2026)
    client.force_login(officer_a)

    cases = html(client.get(figure(report, "C04")))
    reports = html(client.get(figure(report, "R01")))

    assert "Không có hồ sơ nào trong kỳ báo cáo." in cases
    assert "Không có thông tin nào trong kỳ báo cáo." in reports


def test_the_history_names_each_step_not_only_the_status_it_left(client, officer_a, commune_a):
    """Prepared, recomputed and written are three different things the officer did, all leaving the report a draft:
    the history says which (the browser journey showed four identical "Đang soạn" lines)."""
    report = report_prepare(actor=officer_a, unit=commune_a, kind=SEMI, year=2026)
    act(officer_a, report, "recompute")
    act(officer_a, report, "edit", number="", results="Kết quả.", difficulties="", proposals="")
    client.force_login(officer_a)

    page = html(client.get(detail(report)))
    history = page[page.index("Diễn biến") :]

    for words in ("Lập báo cáo", "Tính lại số liệu", "Soạn nội dung báo cáo"):
        assert f'{words} <span class="text-muted">→ Đang soạn</span>' in history
