"""Webhooks (docs/api.md#webhooks): every status change of a report an API client sent is POSTed to the client's
webhook, signed, in order, retried with backoff, failed after the last attempt (the administrators told), logged and
replayable; against a real HTTP server on 127.0.0.1 (tests/support/webhooks.py)."""

from __future__ import annotations

import datetime as dt
import json
import socket

import pytest
from django.urls import reverse

from api.events import EventKind, record_event
from api.models import DeliveryState, WebhookAttempt, WebhookEvent
from api.tasks import webhooks_sweep
from api.webhooks import deliver_report_events, verify_signature
from cases.intake_workflow import TRANSITIONS as INTAKE_TRANSITIONS
from cases.models import CaseState, Report
from cases.services import intake_act, report_attach_child
from childprotect.audit.actions import ApiAction
from childprotect.audit.models import AuditEntry
from childprotect.core.models import Notification
from tests.support.builders import act, walk
from tests.support.pages import client_for, html
from tests.support.webhooks import SECRET, listen

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock", "eager_celery")]

assert any(t.action == "forward" for t in INTAKE_TRANSITIONS)  # the report's one step this suite listens to


@pytest.fixture
def fast(settings):
    """Three attempts, 30 s then 60 s apart (the cap: 90 s), a one-second timeout."""
    settings.CHILDPROTECT_WEBHOOK_ATTEMPTS = 3
    settings.CHILDPROTECT_WEBHOOK_BACKOFF_SECONDS = 30
    settings.CHILDPROTECT_WEBHOOK_BACKOFF_CAP_SECONDS = 90
    settings.CHILDPROTECT_WEBHOOK_TIMEOUT_SECONDS = 1
    return settings


@pytest.fixture
def sent(hotline, receiver, make_report, django_capture_on_commit_callbacks):
    """sent() -> a report Tổng đài 111 sent (commune A), with its `report.received` event delivered."""

    def send(**overrides) -> Report:
        listen(hotline.client, receiver.url)
        with django_capture_on_commit_callbacks(execute=True):
            report = make_report(hotline.client.account, **overrides)
            record_event(report, EventKind.RECEIVED)  # what the intake endpoint does in the report's transaction
        return report

    return send


def bodies(receiver) -> list[dict]:
    return [json.loads(b) for b in receiver.bodies()]


def sweep(clock, seconds: int, capture) -> int:
    clock.shift(dt.timedelta(seconds=seconds))
    with capture(execute=True):
        return webhooks_sweep()


# --- what is sent ------------------------------------------------------------------------------------------------


def test_the_events_of_a_report_arrive_in_order_with_consecutive_numbers(
    sent, receiver, officer_a, chair_a, make_child, django_capture_on_commit_callbacks
):
    report = sent()
    with django_capture_on_commit_callbacks(execute=True):
        for name in ("Nguyễn Văn An", "Trần Thị Bình"):
            report_attach_child(actor=officer_a, report=report, child=make_child(officer_a, full_name=name))
    first, second = report.cases.order_by("id")
    with django_capture_on_commit_callbacks(execute=True):
        act(officer_a, first, "assess_initial")
        walk(first, CaseState.CLOSED, officer=officer_a, chair=chair_a)
        walk(second, CaseState.CLOSED, officer=officer_a, chair=chair_a)

    got = bodies(receiver)
    kinds = [b["event"] for b in got]
    steps = len(kinds) - 5  # received, two openings, two closings
    assert kinds[:3] == [EventKind.RECEIVED, EventKind.CASE_OPENED, EventKind.CASE_OPENED]
    assert kinds[3:] == [EventKind.CASE_STEP] * (steps // 2) + [EventKind.CASE_CLOSED] + [EventKind.CASE_STEP] * (
        steps // 2
    ) + [EventKind.CASE_CLOSED]
    assert [b["sequence"] for b in got] == list(range(1, len(got) + 1))
    assert len({b["id"] for b in got}) == len(got)
    assert got[3]["report"]["cases"][0]["last_step"]["action"] == "assess_initial"
    # The report's status is the one each step left: closed with its second case, not before.
    assert [b["report"]["status"] for b in got[-1 - steps // 2 - 1 : -1]] == ["handling"] * (steps // 2 + 1)
    assert got[-1]["report"]["status"] == "closed"
    assert [c["state"] for c in got[-1]["report"]["cases"]] == [CaseState.CLOSED, CaseState.CLOSED]
    assert WebhookEvent.objects.filter(report=report).exclude(state=DeliveryState.DELIVERED).count() == 0


def test_the_body_and_headers_of_a_post(sent, receiver):
    report = sent()
    (request,) = receiver.received
    body = json.loads(request.body)
    event = WebhookEvent.objects.get(report=report)
    assert request.path == "/hook"
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["X-Childprotect-Event"] == body["id"] == f"evt_{event.pk}"
    assert body["event"] == EventKind.RECEIVED and body["sequence"] == 1
    assert dt.datetime.fromisoformat(body["occurred_at"]) == event.created_at
    assert body["report"]["reference"] == report.reference and body["report"]["commune"]["code"] == "14797"
    assert "description" not in json.dumps(body) and report.reporter_name not in request.body.decode()
    assert event.state == DeliveryState.DELIVERED and event.delivered_at is not None and event.attempts == 1


def test_a_forward_is_an_event(sent, receiver, officer_a, commune_b, django_capture_on_commit_callbacks):
    report = sent()
    with django_capture_on_commit_callbacks(execute=True):
        intake_act(
            actor=officer_a,
            report=report,
            action="forward",
            version=report.version,
            data={"to_unit": commune_b, "reason": "Sự việc xảy ra tại phường Hàm Rồng."},
        )
    forwarded = bodies(receiver)[-1]
    assert forwarded["event"] == EventKind.FORWARDED and forwarded["sequence"] == 2
    assert forwarded["report"]["commune"]["name"] == commune_b.name


def test_a_report_not_sent_by_a_client_with_a_webhook_makes_no_event(
    hotline, officer_a, chair_a, make_report, make_child, commune_b, receiver, django_capture_on_commit_callbacks
):
    listen(hotline.client, receiver.url)
    with django_capture_on_commit_callbacks(execute=True):
        mine = make_report(officer_a)
        report_attach_child(actor=officer_a, report=mine, child=make_child(officer_a))
        walk(mine.cases.get(), CaseState.ASSESSED, officer=officer_a, chair=chair_a)
        hotline.client.webhook_url = ""  # a client without a webhook
        hotline.client.save(update_fields=["webhook_url"])
        theirs = make_report(hotline.client.account)
        assert record_event(theirs, EventKind.RECEIVED) is None
        report_attach_child(actor=officer_a, report=theirs, child=make_child(officer_a, full_name="Lê Văn Cường"))
        moved = make_report(officer_a)
        intake_act(
            actor=officer_a,
            report=moved,
            action="forward",
            version=moved.version,
            data={"to_unit": commune_b, "reason": "Sai địa bàn."},
        )
    assert WebhookEvent.objects.count() == 0
    assert receiver.received == []


# --- the signature -----------------------------------------------------------------------------------------------


def test_the_signature_verifies_and_refuses_a_tampered_body_a_wrong_secret_and_an_old_timestamp(sent, receiver, clock):
    sent()
    (request,) = receiver.received
    header = request.headers["X-Childprotect-Signature"]
    assert header.startswith("t=") and ",v1=" in header
    assert verify_signature(SECRET, header, request.body)
    assert verify_signature(SECRET, header, request.body.decode())
    assert not verify_signature(SECRET, header, request.body.replace(b'"sequence":1', b'"sequence":2'))
    assert not verify_signature("whsec_khac", header, request.body)
    assert not verify_signature(SECRET, header.split(",")[0], request.body)  # no v1
    assert not verify_signature(SECRET, "v1=" + header.split("v1=")[1], request.body)  # no t
    clock.shift(dt.timedelta(seconds=299))
    assert verify_signature(SECRET, header, request.body)
    clock.shift(dt.timedelta(seconds=2))  # over five minutes old: a replayed message
    assert not verify_signature(SECRET, header, request.body)
    assert verify_signature(SECRET, header, request.body, tolerance_seconds=600)


# --- failures, retries, replay -----------------------------------------------------------------------------------


def test_an_endpoint_down_is_retried_with_backoff_then_failed_the_administrators_told_and_later_events_held(
    fast, sent, receiver, clock, administrator, officer_a, make_child, django_capture_on_commit_callbacks
):
    receiver.mode = "error"
    report = sent()
    event = WebhookEvent.objects.get(report=report)
    assert (event.state, event.attempts, event.last_error) == (DeliveryState.PENDING, 1, "HTTP 500")
    assert event.next_attempt_at == WebhookAttempt.objects.get(event=event).at + dt.timedelta(seconds=30)

    # A change meanwhile: its event waits behind the first.
    with django_capture_on_commit_callbacks(execute=True):
        report_attach_child(actor=officer_a, report=report, child=make_child(officer_a))
    assert len(receiver.received) == 1

    capture = django_capture_on_commit_callbacks
    assert sweep(clock, 29, capture) == 0  # not due yet
    assert len(receiver.received) == 1
    assert sweep(clock, 1, capture) == 1  # second attempt
    event.refresh_from_db()
    assert event.attempts == 2
    assert event.next_attempt_at == event.attempt_log.latest("at", "id").at + dt.timedelta(seconds=60)
    assert sweep(clock, 59, capture) == 0
    assert sweep(clock, 1, capture) == 1  # third and last attempt
    event.refresh_from_db()
    assert (event.state, event.attempts) == (DeliveryState.FAILED, 3)
    assert event.next_attempt_at is None
    assert [json.loads(b)["sequence"] for b in receiver.bodies()] == [1, 1, 1]  # the opening never went
    assert sweep(clock, 3600, capture) == 0  # held behind the failed one
    assert WebhookEvent.objects.get(report=report, sequence=2).state == DeliveryState.PENDING

    told = Notification.objects.get(recipient=administrator)
    assert "Tổng đài 111" in told.title and told.url == reverse("api:webhook_detail", args=[event.pk])
    failed = AuditEntry.objects.get(action=ApiAction.WEBHOOK_FAILED)
    assert failed.actor is None and failed.object_id == str(event.pk) and failed.changes["error"] == "HTTP 500"

    page = client_for(administrator).get(reverse("api:webhook_list"), {"state": "failed"})
    assert page.status_code == 200
    assert [e.pk for e in page.context["page"]] == [event.pk]
    assert "HTTP 500" in html(page) and report.reference in html(page)
    detail = html(client_for(administrator).get(reverse("api:webhook_detail", args=[event.pk])))
    assert detail.count("HTTP 500") >= 3 and "Gửi lại thông báo này" in detail


def test_replay_delivers_the_failed_event_and_the_held_ones_follow_in_order(
    fast, sent, receiver, clock, administrator, officer_a, make_child, django_capture_on_commit_callbacks
):
    receiver.mode = "error"
    report = sent()
    with django_capture_on_commit_callbacks(execute=True):
        report_attach_child(actor=officer_a, report=report, child=make_child(officer_a))
    for _ in range(2):
        sweep(clock, 90, django_capture_on_commit_callbacks)
    event = WebhookEvent.objects.get(report=report, sequence=1)
    assert event.state == DeliveryState.FAILED

    receiver.mode, receiver.received = "ok", []
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(administrator).post(reverse("api:webhook_replay", args=[event.pk]))
    assert response.status_code == 302
    assert [(b["sequence"], b["event"]) for b in bodies(receiver)] == [
        (1, EventKind.RECEIVED),
        (2, EventKind.CASE_OPENED),
    ]
    assert bodies(receiver)[0]["id"] == f"evt_{event.pk}"  # the same id: the receiver deduplicates on it
    event.refresh_from_db()
    assert event.state == DeliveryState.DELIVERED and event.last_error == ""
    assert event.attempt_log.latest("at", "id").replayed_by == administrator
    replayed = AuditEntry.objects.get(action=ApiAction.WEBHOOK_REPLAY)
    assert replayed.actor == administrator and replayed.object_id == str(event.pk)

    # A delivered event is sent again only when replayed.
    assert deliver_report_events(event.client_id, report.pk) == 0
    assert sweep(clock, 3600, django_capture_on_commit_callbacks) == 0
    assert len(receiver.received) == 2
    with django_capture_on_commit_callbacks(execute=True):
        client_for(administrator).post(reverse("api:webhook_replay", args=[event.pk]))
    assert [b["sequence"] for b in bodies(receiver)] == [1, 2, 1]


@pytest.mark.parametrize(
    ("mode", "error"),
    [("hang", "Hết thời gian chờ (1 giây)."), ("close", "Không kết nối được"), ("redirect", "")],
)
def test_a_timeout_a_closed_connection_or_a_redirect_is_a_failed_attempt(fast, sent, receiver, mode, error):
    receiver.mode = mode
    report = sent()
    attempt = WebhookAttempt.objects.get(event__report=report)
    assert attempt.error.startswith(error)
    assert attempt.status_code == (302 if mode == "redirect" else None)
    assert len(receiver.received) == 1  # a redirect is not followed
    event = attempt.event
    assert event.state == DeliveryState.PENDING and event.next_attempt_at is not None
    if mode == "hang":
        assert 900 <= attempt.duration_ms < 5000


def test_a_refused_connection_is_a_failed_attempt(fast, hotline, make_report, django_capture_on_commit_callbacks):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]  # nobody listens there once closed
    listen(hotline.client, f"http://127.0.0.1:{port}/hook")
    with django_capture_on_commit_callbacks(execute=True):
        report = make_report(hotline.client.account)
        record_event(report, EventKind.RECEIVED)
    attempt = WebhookAttempt.objects.get(event__report=report)
    assert attempt.status_code is None and attempt.error.startswith("Không kết nối được")


def test_an_event_whose_queueing_was_lost_goes_with_the_sweep(hotline, receiver, make_report, clock):
    listen(hotline.client, receiver.url)
    report = make_report(hotline.client.account)
    record_event(report, EventKind.RECEIVED)  # no commit here: its queueing never ran (as in a broker outage)
    assert receiver.received == []
    assert webhooks_sweep() == 1
    assert bodies(receiver)[0]["event"] == EventKind.RECEIVED


def test_the_log_filters_by_client_and_state(fast, sent, receiver, police_api, administrator, make_report):
    report = sent()
    listen(police_api.client, receiver.url)
    receiver.mode = "error"
    other = make_report(police_api.client.account)
    record_event(other, EventKind.RECEIVED)
    deliver_report_events(police_api.client.pk, other.pk)
    admin = client_for(administrator)
    url = reverse("api:webhook_list")
    listed = admin.get(url).context["page"]
    assert [e.report_id for e in listed] == [other.pk, report.pk]  # newest first
    assert [e.report_id for e in admin.get(url, {"client": police_api.client.pk}).context["page"]] == [other.pk]
    assert [e.report_id for e in admin.get(url, {"state": "delivered"}).context["page"]] == [report.pk]
    assert [e.report_id for e in admin.get(url, {"state": "pending"}).context["page"]] == [other.pk]
    assert list(admin.get(url, {"state": "failed"}).context["page"]) == []


def test_a_pending_event_is_not_replayed(fast, sent, receiver, administrator):
    receiver.mode = "error"
    event = WebhookEvent.objects.get(report=sent())
    response = client_for(administrator).post(reverse("api:webhook_replay", args=[event.pk]), follow=True)
    assert "đang chờ gửi" in html(response)
    assert not AuditEntry.objects.filter(action=ApiAction.WEBHOOK_REPLAY).exists()
    event.refresh_from_db()
    assert event.attempts == 1


def test_the_log_runs_the_same_queries_for_one_event_or_many(
    hotline, make_report, administrator, django_assert_num_queries
):
    listen(hotline.client, "http://127.0.0.1:9/hook")  # never posted: nothing commits in this test
    record_event(make_report(hotline.client.account), EventKind.RECEIVED)
    admin = client_for(administrator)
    url = reverse("api:webhook_list")
    admin.get(url)  # the session warmed
    with django_assert_num_queries(20, exact=False) as one:
        admin.get(url)
    for _ in range(4):
        record_event(make_report(hotline.client.account), EventKind.RECEIVED)
    with django_assert_num_queries(len(one)):
        assert len(admin.get(url).context["page"]) == 5
