"""The contract with a partner system, end to end over real HTTP (docs/api.md): Tổng đài 111 posts a report to the
running server, retries it with the same Idempotency-Key (one report), reads its status, and its own HTTP server
receives the signed webhooks of the report's receipt, the children's cases opening and the commune's first step, in
order, each verified with the client's secret as a receiver would (api.webhooks.verify_signature)."""

from __future__ import annotations

import json
import time
import urllib.request
from typing import Any

import pytest

from api.webhooks import verify_signature
from cases.models import Case, Report
from tests.support.builders import act
from tests.support.concurrency import race_db
from tests.support.intake import child_body, report_body
from tests.support.webhooks import SECRET, Receiver, listen

pytestmark = [race_db, pytest.mark.usefixtures("clock", "eager_celery")]


def call(url: str, token: str, body: Any = None, **headers: str) -> tuple[int, dict[str, str], Any]:
    """One request as the partner's system makes it: urllib, a bearer token, JSON."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method="POST" if data else "GET")  # noqa: S310  (our server)
    request.add_header("Authorization", f"Bearer {token}")
    request.add_header("Content-Type", "application/json")
    for name, value in headers.items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
            return response.status, dict(response.headers.items()), json.loads(response.read())
    except urllib.error.HTTPError as refused:
        return refused.code, dict(refused.headers.items()), json.loads(refused.read())


def arrived(receiver: Receiver, count: int) -> list[dict[str, Any]]:
    """The webhooks received, once `count` of them are there (delivery runs on commit, before the answer; a little
    patience for the receiver's thread)."""
    for _ in range(100):
        if len(receiver.received) >= count:
            break
        time.sleep(0.05)
    return [json.loads(r.body) for r in receiver.received]


def test_a_hotline_report_goes_in_once_and_its_status_comes_back_signed(
    live_server, hotline, officer_a, chair_a, receiver
):
    listen(hotline.client, receiver.url)
    url = f"{live_server.url}/api/v1/reports/"
    body = report_body(children=[child_body(), child_body(full_name="Nguyễn Thị Bé", date_of_birth="2019-06-01")])

    status, headers, first = call(url, hotline.plain, body, **{"Idempotency-Key": "111-2026-000123"})
    again_status, again_headers, again = call(url, hotline.plain, body, **{"Idempotency-Key": "111-2026-000123"})

    assert status == again_status == 201, first
    assert again == first and again_headers.get("Idempotent-Replayed") == "true"
    assert Report.objects.filter(received_by=hotline.client.account).count() == 1
    reference = first["reference"]
    conflict, _, refused = call(
        url, hotline.plain, {**body, "forms": ["neglect"]}, **{"Idempotency-Key": "111-2026-000123"}
    )
    assert conflict == 409 and refused["detail"]

    events = arrived(receiver, 3)
    assert [(e["sequence"], e["event"]) for e in events] == [
        (1, "report.received"),
        (2, "case.opened"),
        (3, "case.opened"),
    ]
    case = Case.objects.filter(report__reference=reference).order_by("id").first()
    assert case is not None
    act(officer_a, case, "assess_initial")  # the commune's first step, by the officer on the web
    events = arrived(receiver, 4)
    assert [(e["sequence"], e["event"]) for e in events][3:] == [(4, "case.step")]

    for request, event in zip(receiver.received, events, strict=True):
        assert verify_signature(SECRET, request.headers["X-Childprotect-Signature"], request.body)
        assert not verify_signature(SECRET, request.headers["X-Childprotect-Signature"], request.body + b" ")
        assert not verify_signature("another secret", request.headers["X-Childprotect-Signature"], request.body)
        assert request.headers["X-Childprotect-Event"] == event["id"]
        assert event["report"]["reference"] == reference
    assert events[3]["report"]["cases"][0]["state"] == "initial_assessed"
    assert "Nguyễn" not in json.dumps(events, ensure_ascii=False)  # no child's name ever goes back

    status, _, now = call(f"{live_server.url}/api/v1/reports/{reference}/", hotline.plain)
    assert status == 200 and now == events[3]["report"]
