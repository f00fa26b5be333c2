"""The main pages at a pinned number of queries, the same with one record as with many: a page that starts to query
per row (or a new query anywhere on it) fails here with the list of queries it ran.

Each page is requested once to warm the session, then measured with one case of commune A (its report, child,
referral to the police, the commune's periodic report), then again after four more cases and more people viewing the
first one (the supervisor's "who accessed this record" card lists them; the children share a carer's phone, and every
other new case is linked to the first: its page lists the links and suggests the others). The clock stands at
20/11/2026 09:00.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from cases.models import Carer, Case, CaseState
from cases.services import case_link
from childprotect.alerts.models import DeliveryStatus
from reporting.models import PeriodicReport
from reporting.services import report_prepare
from tests.support.builders import SEMI, act, open_case, send_referral, walk
from tests.support.deliveries import make_delivery
from tests.support.pages import client_for

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock", "eager_celery")]

NAMES = ["Nguyễn Văn An", "Trần Thị Bích", "Lê Văn Cường", "Phạm Thị Dung", "Hoàng Văn Em"]


@dataclass
class Area:
    cases: list[Case] = field(default_factory=list)
    periodic: PeriodicReport | None = None

    @property
    def first(self) -> Case:
        return self.cases[0]


@pytest.fixture
def area(officer_a, chair_a, police_agency, police, make_report, make_child):
    """area.grow(n): n more cases of commune A, each with its referral to the police, some walked on; the first case
    viewed once more by each of the officer, the chair and the police partner."""
    world = Area()

    def grow(n: int) -> Area:
        for _ in range(n):
            name = NAMES[len(world.cases)]
            case = open_case(officer_a, make_report, make_child, child_name=name)
            send_referral(officer_a, case, police_agency)
            if len(world.cases) % 2:
                walk(case, CaseState.ASSESSED, officer=officer_a, chair=chair_a)
            # Brothers and sisters (one carer's phone): every other case linked to the first, the rest suggested.
            Carer.objects.create(child=case.child, full_name="Nguyễn Thị Lan", relation="Mẹ", phone="0912 345 678")
            if world.cases and len(world.cases) % 2:
                case_link(actor=officer_a, case=world.first, other=case.pk, kind="siblings", reason="Cùng mẹ.")
            world.cases.append(case)
        if world.periodic is None:
            world.periodic = report_prepare(actor=officer_a, unit=officer_a.unit, kind=SEMI, year=2026)
        if len(world.cases) > 1:
            for person in (officer_a, chair_a):
                client_for(person).get(reverse("cases:case_detail", args=[world.first.pk]))
            referral = world.first.referrals.get()
            client_for(police).get(reverse("referrals:referral_detail", args=[referral.pk]))
        return world

    world.grow = grow  # type: ignore[attr-defined]
    return world


@dataclass(frozen=True)
class Page:
    label: str
    role: str
    url: Callable[[Area], str]
    queries: int
    cached: bool = True  # False: the cache is emptied before each measurement (what the page costs when it counts)

    def __str__(self) -> str:
        return f"{self.label} as {self.role}"


def _referral(w: Area) -> Any:
    return w.first.referrals.get()


def _periodic(w: Area) -> PeriodicReport:
    assert w.periodic is not None
    return w.periodic


def _figure(w: Area, code: str, dim: str = "") -> str:
    """The cases behind a figure of the commune's periodic report (its total, or its commune's row)."""
    report = _periodic(w)
    url = reverse("reporting:report_figure", args=[report.pk, code])
    return f"{url}?dim={dim}&key={report.unit_id}" if dim else url


# Every page of a commune's staff reads their reach once (accounts.selectors.jurisdiction_unit_ids: the commune and the
# old communes it took over, docs/law.md#the-2025-reform), as a supervisor's always was; a supervisor's, read once
# per request instead of once per list, saves queries on the pages with several lists.
# The home pages read the user's saved searches (one query; their counts: tests/home/test_saved_searches.py). The
# cases list reads the open flags of its page's cases (one query) and, for those who may reassign, the officers in
# reach for the bulk bar (one query). The case page reads the case's open flags (one query).
PAGES = [
    # Each short list of the home pages (the inbox, the deadlines due soon, the referrals waiting, the work of people
    # who left) is one query: its first rows, each carrying the list's total (home.selectors.first_and_count). The
    # list of deadlines due soon: the deadlines, then the cases of the rows shown with their children (one query).
    # The chair and the supervisor list the open cases, the open referrals and the reports at intake of people who
    # left (3 queries). Commune staff and supervisors count the transfer requests waiting for their answer (one query).
    Page("home", "officer_a", lambda w: reverse("home"), 21),
    Page("home", "chair_a", lambda w: reverse("home"), 24),
    # The supervisor's charts (3 queries), the communes' rows (every commune with cases and its counts: one query) and
    # the caseload card (the open cases by commune and officer, the cases received in the last 12 months: 2 queries)
    # come from the cache for a few minutes after they were counted. Supervisors and administrators also read the
    # heartbeats, for the banner of a stopped deadline scan (one query). The communes below that have not sent the
    # next report: one query, the communes expected with their report's status.
    Page("home", "supervisor", lambda w: reverse("home"), 23),
    Page("home, charts counted", "supervisor", lambda w: reverse("home"), 29, cached=False),
    # The caseload page: what every page reads, the reach (an administrator reaches everything: fewer) and the figures'
    # two queries (home/caseload.py), whatever the number of communes, officers and cases.
    Page("caseload", "supervisor", lambda w: reverse("caseload"), 7),
    Page("caseload", "chair_a", lambda w: reverse("caseload"), 7),
    Page("caseload", "administrator", lambda w: reverse("caseload"), 5),
    Page("home", "police", lambda w: reverse("home"), 10),
    Page("home", "administrator", lambda w: reverse("home"), 6),
    # The case list: the count and the page from the cases table, then the page's children and communes by id.
    Page("case list", "officer_a", lambda w: reverse("cases:case_list"), 10),
    Page("case list", "supervisor", lambda w: reverse("cases:case_list"), 11),
    Page("case list", "administrator", lambda w: reverse("cases:case_list"), 8),
    Page("case list, one step", "supervisor", lambda w: reverse("cases:case_list") + "?state=received", 11),
    # The bulk reassignment: the open cases' count, their rows with their children, communes and officers (one
    # query), the officers in reach twice (the filter, the form's choice); the reach read once.
    Page("bulk reassignment", "chair_a", lambda w: reverse("cases:case_reassign"), 9),
    Page("bulk reassignment", "supervisor", lambda w: reverse("cases:case_reassign"), 9),
    # The case page reads its open transfer request once (the transfer buttons and the notice), its links in reach with
    # the other cases, their children and communes (one query), and the suggestions to link: brothers and sisters by a
    # carer's phone, the child's earlier closed cases (one query each).
    Page("case detail", "officer_a", lambda w: reverse("cases:case_detail", args=[w.first.pk]), 20),
    # The report page: its children in reach, its cases, the children's other open reports, its history (forwards),
    # the moved-out trace and whether a forward is still possible.
    Page("report detail", "officer_a", lambda w: reverse("cases:report_detail", args=[w.first.report_id]), 15),
    Page("case detail, who accessed", "supervisor", lambda w: reverse("cases:case_detail", args=[w.first.pk]), 23),
    # The children list: the children living in the reach with their number, those reached by its reports with
    # theirs, then the page's rows; nationally, a capped count, the page's ids, then its rows.
    Page("children list", "officer_a", lambda w: reverse("cases:child_list"), 8),
    Page("children list, name search", "officer_a", lambda w: reverse("cases:child_list") + "?q=nguyen", 8),
    Page("children list, phone search", "officer_a", lambda w: reverse("cases:child_list") + "?q=0912.345.678", 8),
    Page("children list", "supervisor", lambda w: reverse("cases:child_list"), 8),
    Page("children list, name search", "administrator", lambda w: reverse("cases:child_list") + "?q=nguyen", 6),
    Page("child detail", "officer_a", lambda w: reverse("cases:child_detail", args=[w.first.child_id]), 11),
    Page(
        "child detail, who accessed", "supervisor", lambda w: reverse("cases:child_detail", args=[w.first.child_id]), 13
    ),
    Page("intake report list", "officer_a", lambda w: reverse("cases:report_list"), 8),
    Page("intake report list, phone search", "officer_a", lambda w: reverse("cases:report_list") + "?q=0987654321", 8),
    # The reports forwarded from the commune: the count, then the page with its communes and actors in one query
    # (none here: the count alone; tests/cases/test_forward.py pins it with one forward and with five).
    Page("forwarded reports", "officer_a", lambda w: reverse("cases:report_forwarded"), 6),
    Page("referral list", "officer_a", lambda w: reverse("referrals:referral_list"), 7),
    Page("referral list", "police", lambda w: reverse("referrals:referral_list"), 5),
    Page("referral detail", "officer_a", lambda w: reverse("referrals:referral_detail", args=[_referral(w).pk]), 13),
    Page("referral detail", "police", lambda w: reverse("referrals:referral_detail", args=[_referral(w).pk]), 11),
    Page("periodic report list", "officer_a", lambda w: reverse("reporting:report_list"), 8),
    Page(
        "periodic report detail", "officer_a", lambda w: reverse("reporting:report_detail", args=[_periodic(w).pk]), 8
    ),
    # A figure's cases: one query more than the list itself for the cases that moved through the report's communes
    # (read once; counted where they were, reporting/indicators.py `scope_for`).
    Page("periodic report figure", "officer_a", lambda w: _figure(w, "C04"), 9),
    Page("periodic report figure by commune", "supervisor", lambda w: _figure(w, "K02", "commune"), 9),
    # The alert settings: the session and the person, the bell's count, their alert profile and their chosen channels
    # (one query each, whatever the number of kinds).
    Page("alert settings", "officer_a", lambda w: reverse("alerts:settings"), 5),
    Page("alert settings", "police", lambda w: reverse("alerts:settings"), 5),
    # The API's reads (docs/api.md#reading), by session: the web's selectors, and one audit entry per call (api.call)
    # with the caller's name (no query: a person is no API client, api.models.client_of). The case list reads the
    # page's children, communes, officers and reports' references by id (4 queries); the case detail its steps,
    # deadlines, the report's forms of abuse and the links in reach, and writes the view's audit entry (as the page
    # does).
    Page("api work queue", "officer_a", lambda w: reverse("api:work"), 11),
    Page("api work queue", "police", lambda w: reverse("api:work"), 6),
    Page("api case list", "officer_a", lambda w: reverse("api:case_list"), 11),
    Page("api case list", "administrator", lambda w: reverse("api:case_list") + "?state=received&overdue=1", 4),
    Page("api case detail", "officer_a", lambda w: reverse("api:case_detail", args=[w.first.pk]), 11),
    Page("api case detail", "administrator", lambda w: reverse("api:case_detail", args=[w.first.pk]), 9),
    Page("api children list", "officer_a", lambda w: reverse("api:child_list"), 8),
    Page("api children list, name search", "supervisor", lambda w: reverse("api:child_list") + "?q=nguyen", 8),
    Page("api child detail", "officer_a", lambda w: reverse("api:child_detail", args=[w.first.child_id]), 11),
    # The field app's bootstrap (docs/api.md#the-field-app): the vocabularies in one query, the communes in reach and
    # their provinces, whatever the number of records.
    Page("api field bootstrap", "officer_a", lambda w: reverse("api:field"), 7),
    Page("api field bootstrap", "supervisor", lambda w: reverse("api:field"), 7),
    Page("api field bootstrap", "police", lambda w: reverse("api:field"), 9),  # and the agency and its area
]


def _get(client: Client, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)


@pytest.mark.parametrize("page", PAGES, ids=str)
def test_the_page_runs_a_pinned_number_of_queries_with_one_record_or_many(
    client, area, page, request, django_assert_num_queries
):
    user = request.getfixturevalue(page.role)
    area.grow(1)
    client.force_login(user)
    url = page.url(area)
    _get(client, url)  # the session and the content types warmed
    if not page.cached:
        cache.clear()
    with django_assert_num_queries(page.queries):
        _get(client, url)

    area.grow(4)
    if not page.cached:
        cache.clear()
    with django_assert_num_queries(page.queries):
        _get(client, url)


# The transfers page: three lists in three queries (requests to decide with their children, requests waiting for the
# other side, the transfers done), the communes and people of each row joined; the reach read once.
TRANSFER_PAGES = [("officer_a", 8), ("officer_b", 8), ("supervisor", 8)]


@pytest.mark.parametrize(("role", "queries"), TRANSFER_PAGES, ids=[r for r, _q in TRANSFER_PAGES])
def test_the_transfers_page_runs_a_pinned_number_of_queries_with_one_transfer_or_many(
    client, area, officer_a, officer_b, role, queries, request, django_assert_num_queries
):
    """Commune A asks commune B to take each new case; B accepts every other one (past rows), the rest wait."""
    done: set[int] = set()

    def move() -> None:
        for i, case in enumerate(area.cases):
            if case.pk in done:
                continue
            done.add(case.pk)
            act(officer_a, case, "request_transfer")
            if i % 2:
                act(officer_b, case, "accept_transfer")

    client.force_login(request.getfixturevalue(role))
    url = reverse("cases:transfer_list")
    area.grow(1)
    move()
    _get(client, url)
    with django_assert_num_queries(queries):
        _get(client, url)

    area.grow(4)
    move()
    with django_assert_num_queries(queries):
        _get(client, url)


# The administrators' pages of the alert channels (docs/alerts.md#the-administrators-page): the counts by channel and
# status (one query for both periods), the oldest message due per channel (one), the last failures of each channel
# with their recipients (three); the list: its count and its page with the recipients. Both: the session, the
# user and the bell's count of unread notifications.
CHANNEL_PAGES = [("alerts:channels", 8), ("alerts:delivery_list", 5)]


@pytest.mark.parametrize(("name", "queries"), CHANNEL_PAGES, ids=[n for n, _q in CHANNEL_PAGES])
def test_the_alert_channels_pages_run_a_pinned_number_of_queries_with_one_delivery_or_thirty(
    client, administrator, officer_a, name, queries, django_assert_num_queries
):
    statuses = [DeliveryStatus.SENT, DeliveryStatus.FAILED, DeliveryStatus.PENDING]
    client.force_login(administrator)
    url = reverse(name)

    def grow(n: int) -> None:
        for i in range(n):
            make_delivery(officer_a, channel=("email", "sms", "zalo")[i % 3], status=statuses[i % 3],
                          address="hoa@example.vn")  # fmt: skip

    grow(1)
    _get(client, url)
    with django_assert_num_queries(queries):
        _get(client, url)
    grow(29)
    with django_assert_num_queries(queries):
        _get(client, url)
