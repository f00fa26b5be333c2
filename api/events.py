"""The outbox of webhook events (docs/api.md#webhooks): a status change of a report a client sent is written as a
WebhookEvent in the transaction that made the change, so an event exists exactly when the change does; delivery
(api/webhooks.py, a Celery task) happens after the commit.

Events are numbered per (client, report) from 1. The first is always `report.received`, written by the intake in
the report's own transaction; each later one locks the last event of its report before taking the next number, so
two changes of one report at once are numbered one after the other, never twice the same.

The later events are written by the receivers `api/apps.py` connects: the case's opening (a `CaseStep` "open", saved
by `cases.services.case_open`, which no step of the table makes) and every step the workflow engine takes on a case
or a report (`childprotect.workflow.step_taken`, sent after everything the step wrote, so that the report's status
in the payload is the one the step left). A report logged by a person is told apart without a query when its account
is loaded (the intake's lock loads it); otherwise one query asks for its sender.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.db.models import Max

from cases.models import Case, CaseState, CaseStep, Report, ReportStep
from childprotect.accounts.policy import is_system_account

from .models import ApiClient, WebhookEvent
from .status import report_status

logger = logging.getLogger(__name__)


class EventKind:
    RECEIVED = "report.received"  # the report was taken in (the intake's answer)
    FORWARDED = "report.forwarded"  # sent on to the commune where the incident happened
    CASE_OPENED = "case.opened"  # a child's case was opened
    CASE_STEP = "case.step"  # a step of the procedure was taken on a child's case
    CASE_CLOSED = "case.closed"  # a child's case was closed


def sender_of(report: Report) -> ApiClient | None:
    """The client that sent `report` and wants to hear back (an active client with a webhook), or None."""
    return ApiClient.objects.filter(account_id=report.received_by_id, is_active=True).exclude(webhook_url="").first()


def record_event(report: Report, kind: str) -> WebhookEvent | None:
    """Write the next event of `report` for its sender, with the report's status as of now; None when nobody listens.
    Call inside the transaction of the change. Delivery is queued on commit."""
    client = sender_of(report)
    if client is None:
        return None
    return _write(client, report, kind)


def _write(client: ApiClient, report: Report, kind: str) -> WebhookEvent:
    with transaction.atomic():
        mine = WebhookEvent.objects.filter(client=client, report=report)
        last = mine.select_for_update().order_by("-sequence").values_list("sequence", flat=True).first()
        sequence = (last if last is not None else (mine.aggregate(n=Max("sequence"))["n"] or 0)) + 1
        event = WebhookEvent.objects.create(
            client=client, report=report, sequence=sequence, kind=kind, payload=report_status(report)
        )
        queue_delivery(client.pk, report.pk)
    return event


def queue_delivery(client_id: int, report_id: int) -> None:
    """Deliver the pending events of (client, report) once the current transaction commits (a Celery task; lost,
    the sweep sends them a minute later)."""
    transaction.on_commit(lambda: _queue(client_id, report_id))


def _queue(client_id: int, report_id: int) -> None:
    """A broker that is down costs the caller a few seconds at most, never an error: the events stay pending and the
    sweep sends them."""
    from .tasks import webhooks_deliver  # the task module imports the delivery, which imports this one

    try:
        webhooks_deliver.delay(client_id, report_id)
    except Exception:  # kombu's OperationalError, a timeout, a refused connection: all are "not queued"
        logger.warning(
            "webhook events of client %s, report %s not queued (broker unavailable); the sweep will send them",
            client_id,
            report_id,
            exc_info=True,
        )


def _may_be_a_clients(report: Report) -> bool:
    """False when `report` was surely logged by a person, decided from what is loaded (no query): its account, when
    loaded, is not a system account. True otherwise (`sender_of` decides)."""
    if Report.received_by.is_cached(report):
        return is_system_account(report.received_by)
    return True


def _record(report: Report, kind: str) -> None:
    if not _may_be_a_clients(report):
        return
    client = sender_of(report)
    if client is not None:
        # What the step wrote by query (a case's step brings its report's status along: `_sync_report_status`).
        report.refresh_from_db(fields=["status", "incident_unit"])
        _write(client, report, kind)


def case_step_kind(step: CaseStep) -> str:
    """The event of a case's history row: its opening, its closing, or another step."""
    if step.action == "open":
        return EventKind.CASE_OPENED
    if step.to_state == CaseState.CLOSED and step.from_state != CaseState.CLOSED:
        return EventKind.CASE_CLOSED
    return EventKind.CASE_STEP


def on_case_opened(
    sender: type[CaseStep], instance: CaseStep, created: bool, raw: bool = False, **kwargs: object
) -> None:
    """post_save of a CaseStep: the opening row (`case_open`), the one history row the engine does not write."""
    if created and not raw and instance.action == "open":
        _record(instance.case.report, EventKind.CASE_OPENED)


def on_step_taken(sender: type, event: CaseStep | ReportStep, record: Case | Report, **kwargs: object) -> None:
    """`step_taken` of the workflow engine: a step of a case (case.step, case.closed) or a report's forward."""
    if isinstance(event, CaseStep) and isinstance(record, Case):
        _record(record.report, case_step_kind(event))
    elif isinstance(event, ReportStep) and isinstance(record, Report) and event.action == "forward":
        _record(record, EventKind.FORWARDED)
