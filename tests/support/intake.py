"""Bodies for `POST /api/v1/reports/` (docs/api.md#intake) and a count of everything an intake writes.

`report_body(**overrides)`: a violence report in commune A (code 14797) received by Tổng đài 111 at 08:30 on the
clock's day, with one child (Nguyễn Văn An, born 05/03/2015); a top-level key overridden replaces that part whole.
`child_body(name, **fields)`: one child. `written()`: the rows an intake writes, by table, for "nothing written".
"""

from __future__ import annotations

from typing import Any

from api.models import IdempotentRequest, WebhookEvent
from cases.models import Case, CaseStep, Child, Deadline, Perpetrator, Report, ReportChild
from childprotect.audit.actions import ApiAction
from childprotect.audit.models import AuditEntry
from childprotect.core.models import Notification

REPORTS = "/api/v1/reports/"


def child_body(name: str = "Nguyễn Văn An", **fields: Any) -> dict[str, Any]:
    return {"full_name": name, "sex": "male", "date_of_birth": "2015-03-05", **fields}


def report_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "received_at": "2026-11-20T08:30:00+07:00",
        "channel": "hotline_111",
        "report_type": "thong_bao",
        "reporter": {"relation": "Hàng xóm"},
        "incident": {
            "commune": "14797",
            "date": "2026-11-19",
            "place": "Tổ dân phố 3",
            "description": "Hàng xóm nghe thấy trẻ bị đánh nhiều lần vào buổi tối.",
            "environment": "family",
        },
        "forms": ["violence"],
        "children": [child_body()],
    }
    body.update(overrides)
    return body


def incident(**fields: Any) -> dict[str, Any]:
    """The default body's incident with `fields` changed."""
    return {**report_body()["incident"], **fields}


def written() -> dict[str, int]:
    """How many rows of each kind an intake writes exist now (the calls' own audit entries, api.call, left out)."""
    return {
        "report": Report.all_objects.count(),
        "perpetrator": Perpetrator.objects.count(),
        "child": Child.all_objects.count(),
        "report_child": ReportChild.objects.count(),
        "case": Case.all_objects.count(),
        "step": CaseStep.objects.count(),
        "deadline": Deadline.objects.count(),
        "notification": Notification.objects.count(),
        "idempotency": IdempotentRequest.objects.count(),
        "event": WebhookEvent.objects.count(),
        "audit": AuditEntry.objects.exclude(action=ApiAction.CALL).count(),
    }
