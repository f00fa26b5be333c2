"""What /metrics says, read back with prometheus_client's parser: the deadlines, reminders, notifications, deliveries
and jobs counted at scrape time, the requests by view, and the fixed cost of a scrape (docs/architecture.md#metrics)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection, reset_queries
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.models import CaseState, DeadlineKind
from cases.services import deadlines_scan
from childprotect.core.models import ExportJob, ExportStatus, ImportStatus
from childprotect.health.models import AlarmKind
from childprotect.health.services import alarms_check, beat_heartbeat_record, worker_heartbeat_record
from tests.support.builders import child_row, csv_file, walk
from tests.support.clock import NOW, RECEIVED_AT
from tests.support.metrics import TOKEN, parse, scrape

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock", "eager_celery")]

# Per scrape: the task counters, notifications, deliveries, import jobs, export jobs (the shared floor's collectors),
# the heartbeats and the open alarms (health's), then the deadlines and the reminders (cases'). However many rows.
SCRAPE_QUERIES = 9


@pytest.fixture(autouse=True)
def token(settings):
    settings.CHILDPROTECT_METRICS_TOKEN = TOKEN


def test_the_exposition_declares_each_family_with_its_type(client):
    families = scrape(client).families

    assert {name: families.get(name) for name in (
        "childprotect_http_request_duration_seconds",
        "childprotect_http_request_queries",
        "childprotect_celery_tasks",
        "childprotect_deadlines_open",
        "childprotect_deadlines_overdue",
        "childprotect_reminders",
        "childprotect_notifications",
        "childprotect_deliveries",
        "childprotect_import_jobs",
        "childprotect_export_jobs",
    )} == {
        "childprotect_http_request_duration_seconds": "histogram",
        "childprotect_http_request_queries": "histogram",
        "childprotect_celery_tasks": "counter",
        "childprotect_deadlines_open": "gauge",
        "childprotect_deadlines_overdue": "gauge",
        "childprotect_reminders": "gauge",
        "childprotect_notifications": "gauge",
        "childprotect_deliveries": "gauge",
        "childprotect_import_jobs": "gauge",
        "childprotect_export_jobs": "gauge",
    }  # fmt: skip


def test_heartbeat_ages_and_open_alarms(client, clock):
    beat_heartbeat_record()
    worker_heartbeat_record("jobs@web1", ["celery"])
    clock.move_to(NOW + dt.timedelta(minutes=20))  # beat silent for 20 minutes: the scan never ran since
    worker_heartbeat_record("jobs@web1", ["celery"])
    alarms_check()

    metrics = scrape(client)

    assert metrics.value("childprotect_heartbeat_age_seconds", kind="beat", component="beat") == 20 * 60
    assert metrics.value("childprotect_heartbeat_age_seconds", kind="worker", component="jobs@web1") == 0
    open_alarms = {k: metrics.value("childprotect_alarms_open", kind=k) for k in AlarmKind.values}
    assert open_alarms == {"scan_stale": 1, "no_worker": 0, "queue_growing": 0}


def test_every_kind_of_deadline_is_there_at_zero_before_any_case(client):
    metrics = scrape(client)

    for kind in DeadlineKind.values:
        assert ("childprotect_deadlines_open", frozenset({("kind", kind)})) in metrics.samples
        assert metrics.value("childprotect_deadlines_open", kind=kind) == 0
        assert metrics.value("childprotect_deadlines_overdue", kind=kind) == 0


def test_open_and_overdue_deadlines_by_kind(client, new_case, officer_a, chair_a, clock):
    first, second = new_case(), new_case(child_name="Trần Thị Bình")  # received 08:30: each an emergency (12 h)
    walk(first, CaseState.EMERGENCY_DECIDED, officer=officer_a, chair=chair_a)  # its emergency clock met: not open

    before = scrape(client)
    clock.move_to(RECEIVED_AT + dt.timedelta(hours=13))  # 21:30: the second one's emergency is overdue
    after = scrape(client)

    open_ = {k: before.value("childprotect_deadlines_open", kind=k) for k in DeadlineKind.values}
    assert {k: v for k, v in open_.items() if v} == {"emergency": 1, "plan": 2}
    assert before.value("childprotect_deadlines_overdue", kind="emergency") == 0
    assert after.value("childprotect_deadlines_open", kind="emergency") == 1
    assert after.value("childprotect_deadlines_overdue", kind="emergency") == 1
    assert after.value("childprotect_deadlines_overdue", kind="plan") == 0
    assert second.deadlines.get(kind="emergency").status == "open"


def test_reminders_notifications_and_their_emails_after_a_scan(
    client, new_case, officer_a, chair_a, supervisor, clock, django_capture_on_commit_callbacks
):
    for user in (officer_a, chair_a, supervisor):
        user.email = f"{user.username}@example.vn"
        user.save(update_fields=["email"])
    new_case()
    before = scrape(client)
    clock.move_to(RECEIVED_AT + dt.timedelta(hours=13))

    with django_capture_on_commit_callbacks(execute=True):
        deadlines_scan()  # the emergency overdue: one reminder, three notifications (officer, chair, supervisor)
    after = scrape(client)

    assert after.value("childprotect_reminders", kind="overdue") == 1
    assert after.value("childprotect_reminders", kind="due_soon") == 0
    assert (
        after.value("childprotect_notifications", kind="overdue")
        - before.value("childprotect_notifications", kind="overdue")
        == 3
    )
    sent = after.value("childprotect_deliveries", channel="email", status="sent") - before.value(
        "childprotect_deliveries", channel="email", status="sent"
    )
    assert sent == 3


def test_import_and_export_jobs_by_status(client, import_upload, supervisor):
    import_upload(supervisor, csv_file([child_row("Nguyễn Văn An")]))
    ExportJob.objects.create(owner=supervisor, list_name="cases", filename="ho-so.xlsx", status=ExportStatus.FAILED)
    ExportJob.objects.create(owner=supervisor, list_name="cases", filename="ho-so.xlsx", status=ExportStatus.DONE)
    ExportJob.objects.create(owner=supervisor, list_name="cases", filename="ho-so.xlsx", status=ExportStatus.DONE)

    metrics = scrape(client)

    assert {s: metrics.value("childprotect_import_jobs", status=s) for s in ImportStatus.values} == {
        s: (1 if s == ImportStatus.CHECKED else 0) for s in ImportStatus.values
    }
    assert {s: metrics.value("childprotect_export_jobs", status=s) for s in ExportStatus.values} == {
        "pending": 0, "running": 0, "done": 2, "failed": 1, "expired": 0
    }  # fmt: skip


def test_a_request_is_counted_under_its_view_name_method_and_status_class(client, officer_a):
    client.force_login(officer_a)
    duration = "childprotect_http_request_duration_seconds_count"
    home = {"view": "home", "method": "GET", "status": "2xx"}
    case_list = {"view": "cases:case_list", "method": "GET", "status": "2xx"}
    before = scrape(client)

    assert client.get(reverse("home")).status_code == 200
    assert client.get(reverse("cases:case_list"), {"page": 1}).status_code == 200
    assert client.get("/no-such-page/42/").status_code == 404
    after = scrape(client)

    assert after.value(duration, **home) - before.value(duration, **home) == 1
    assert after.value(duration, **case_list) - before.value(duration, **case_list) == 1
    unmatched = {"view": "<unmatched>", "method": "GET", "status": "4xx"}
    assert after.value(duration, **unmatched) - before.value(duration, **unmatched) == 1
    # Its queries: one more observation, of more than none (the session, the user, the page's reads).
    queries = "childprotect_http_request_queries"
    assert after.value(f"{queries}_count", view="home") - before.value(f"{queries}_count", view="home") == 1
    assert after.value(f"{queries}_sum", view="home") - before.value(f"{queries}_sum", view="home") >= 3
    assert not any("42" in dict(labels).get("view", "") for _, labels in after.samples)


def test_the_queries_of_a_request_are_counted_as_they_run(client, officer_a):
    """The histogram's sum grows by exactly the number of queries Django ran for the request."""
    client.force_login(officer_a)
    queries = "childprotect_http_request_queries_sum"
    before = scrape(client).value(queries, view="notifications")

    reset_queries()  # the client's request resets Django's query log: start it empty so the capture reads it right
    with CaptureQueriesContext(connection) as ran:
        client.get(reverse("notifications"))
    ran_queries = len(ran)  # read now: the next request empties the log it reads from

    assert ran_queries > 0
    assert scrape(client).value(queries, view="notifications") - before == ran_queries


@pytest.mark.parametrize("cases", [1, 4])
def test_a_scrape_runs_a_fixed_number_of_queries(client, new_case, clock, cases, django_assert_num_queries):
    for i in range(cases):
        new_case(child_name=f"Trẻ thứ {i + 1}")
    clock.move_to(RECEIVED_AT + dt.timedelta(hours=13))

    with django_assert_num_queries(SCRAPE_QUERIES):
        response = client.get("/metrics", headers={"authorization": f"Bearer {TOKEN}"})

    assert parse(response.content.decode()).value("childprotect_deadlines_overdue", kind="emergency") == cases
