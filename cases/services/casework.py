"""The statutory workflow's writes: open a case, take an action of the workflow table, remind about deadlines.

Every action runs in one transaction: lock the case, check its version (no silent overwrite), check the table (state
and role), record what the step needs, settle and start deadlines, write the timeline step and the audit entry.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.alerts import case_alert, deadline_alert
from cases.deadlines import set_next_due
from cases.handlers import (
    ClosureCondition,
    closure_conditions,
    start_deadline,
)
from cases.models import (
    Case,
    CaseComment,
    CaseState,
    CaseStep,
    CaseTransfer,
    Child,
    Deadline,
    DeadlineKind,
    DeadlineStatus,
    Reminder,
    ReminderKind,
    Report,
    ReportStatus,
)
from cases.responsible import CommuneHeads, absent_reason, case_reminded, commune_staff
from cases.selectors import cases_visible_to, forget_open_transfer, open_transfer
from cases.workflow import BY_ACTION, TRANSITIONS, Transition, next_transitions, waiting_on
from childprotect.accounts.models import Role, User
from childprotect.accounts.policy import COMMUNE_STAFF, can_comment, can_take_charge_of_cases
from childprotect.accounts.selectors import agencies_partners, user_reaches_unit
from childprotect.alerts.models import AlertKind
from childprotect.audit.actions import CaseAction, case_step
from childprotect.audit.services import audit_record
from childprotect.core.bulk import insert_new
from childprotect.core.services import Keyed, notify, notify_keyed
from childprotect.places.models import AdminUnit
from childprotect.workflow import StepContext, Workflow

__all__ = [
    "case_open",
    "case_act",
    "case_reassign_many",
    "case_rehome_many",
    "RehomeChoice",
    "case_comment",
    "deadlines_scan",
    "ScanResult",
    "CASEWORK",
    "closure_conditions",
    "ClosureCondition",
    "initial_assessment",
]

ROLE_NAMES: dict[str, str] = {
    Role.COMMUNE_OFFICER: "cán bộ bảo vệ trẻ em cấp xã",
    Role.COMMUNE_CHAIR: "Chủ tịch UBND cấp xã",  # in a case, the unit says which: UBND phường, xã, đặc khu
    Role.SUPERVISOR: "cán bộ giám sát",
}


def _json(value: Any) -> Any:
    """Form values as the timeline stores them (dates as dd/mm/yyyy text, model rows by their label)."""
    if isinstance(value, dict):
        return {k: _json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json(v) for v in value]
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).strftime("%d/%m/%Y %H:%M")
    if isinstance(value, dt.date):
        return value.strftime("%d/%m/%Y")
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def case_open(*, actor: User, report: Report, child: Child) -> Case:
    """One case per child per report. Its 12-hour and 5-working-day clocks run from the report's receipt."""
    with transaction.atomic():
        case = Case.all_objects.filter(report=report, child=child).first()
        if case is not None and case.deleted_at is not None:
            raise ValidationError(
                "Hồ sơ của trẻ em này trong thông tin này đã bị xoá; quản trị hệ thống có thể khôi phục.",
                code="deleted",
            )
        if case is not None:
            return case
        officer = (
            actor
            if can_take_charge_of_cases(actor) and actor.unit_id == report.incident_unit_id
            else (
                User.objects.filter(role=Role.COMMUNE_OFFICER, unit=report.incident_unit, is_active=True)
                .order_by("id")
                .first()
                or actor
            )
        )
        case = Case.objects.create(report=report, child=child, officer=officer, unit=report.incident_unit)
        start_deadline(case, DeadlineKind.EMERGENCY, report.received_at)
        start_deadline(case, DeadlineKind.PLAN, report.received_at)
        set_next_due(case)
        case.save(update_fields=["next_due_at", "next_due_kind"])
        CaseStep.objects.create(
            case=case,
            action="open",
            from_state=CaseState.RECEIVED,
            to_state=CaseState.RECEIVED,
            actor=actor,
            at=timezone.now(),
            record={"report": report.reference},
        )
        # The report stays "new" in the commune's inbox until someone acts on one of its cases.
        audit_record(actor=actor, action=CaseAction.OPEN, obj=case, changes={"report": report.pk, "child": child.pk})
    return case


def initial_assessment(case: Case) -> CaseStep | None:
    """The latest initial risk assessment (Mẫu 02) of the case: what the chair decides emergency protection on."""
    return case.steps.filter(action="assess_initial").select_related("actor").order_by("-at", "-id").first()


def _who(actor: User, case: Case, transition: Transition) -> str | None:
    if actor.role not in transition.roles:
        names = {**ROLE_NAMES, Role.COMMUNE_CHAIR: case.unit.chair_title}
        who = " hoặc ".join(names.get(r, r) for r in sorted(transition.roles))
        return f"Chỉ {who} mới được thực hiện “{transition.label}”."
    if transition.receiving:
        return None  # the receiving side's reach: `_receiving_side`, after the state
    if not user_reaches_unit(actor, case.unit):
        return "Hồ sơ này nằm ngoài địa bàn bạn phụ trách."
    return None


def _receiving_side(actor: User, case: Case, transition: Transition) -> str | None:
    """A row the receiving side takes (accept or decline a transfer): there is an open request, and the person
    reaches the commune it asks the case to move to (its officer or chair, or a supervisor over it, of any
    province); the commune holding the case does not answer its own request."""
    if not transition.receiving:
        return None
    waiting = open_transfer(case)
    if waiting is None:
        return "Hồ sơ không có đề nghị chuyển nào đang chờ tiếp nhận."
    if not user_reaches_unit(actor, waiting.to_unit):
        return (
            f"Chỉ cán bộ bảo vệ trẻ em, {waiting.to_unit.chair_title} {waiting.to_unit.name} hoặc cán bộ giám sát "
            f"của địa bàn nhận mới được thực hiện “{transition.label}”."
        )
    return None


def _takes_part(actor: User, case: Case, transition: Transition) -> bool:
    """Whether the step is the person's at all (else the step page is refused, 403): their role, and for the
    receiving side's rows, reaching the commune the open request names (for the others, the case's commune)."""
    if actor.role not in transition.roles:
        return False
    if transition.receiving:
        waiting = open_transfer(case)
        return waiting is not None and user_reaches_unit(actor, waiting.to_unit)
    return user_reaches_unit(actor, case.unit)


def _offline(step: StepContext[Case]) -> dict[str, Any]:
    """A step recorded away from the server (`case_act`'s `at`): both times, in ISO 8601, in its record."""
    if step.recorded_at is None or step.synced_at is None:
        return {}
    recorded, synced = timezone.localtime(step.recorded_at), timezone.localtime(step.synced_at)
    return {"offline": {"recorded_at": recorded.isoformat(), "synced_at": synced.isoformat()}}


def _deadlines(step: StepContext[Case]) -> None:
    """The row's deadlines: settle (met or late, measured now), cancel, start; the first settled is the event's."""
    case, transition, now = step.record, step.transition, step.now
    due, on_time = None, None
    for kind in transition.settles:
        deadline = case.deadlines.filter(kind=kind, status=DeadlineStatus.OPEN).first()
        if deadline is None:
            continue
        late = now > deadline.due_at
        deadline.status, deadline.settled_at = (DeadlineStatus.LATE if late else DeadlineStatus.MET), now
        deadline.save(update_fields=["status", "settled_at"])
        if due is None:
            due, on_time = deadline.due_at, not late
    if transition.cancels:
        case.deadlines.filter(kind__in=transition.cancels, status=DeadlineStatus.OPEN).update(
            status=DeadlineStatus.CANCELLED, settled_at=now
        )
    for kind in transition.starts:
        case.deadlines.filter(kind=kind, status=DeadlineStatus.OPEN).update(
            status=DeadlineStatus.CANCELLED, settled_at=now
        )
        start_deadline(case, kind, now)
    set_next_due(case)  # the handler may have started one too (a separation's end); the engine saves the case next
    step.event.update(deadline_due=due, on_time=on_time)


def _after(step: StepContext[Case], event: CaseStep, record: dict[str, Any]) -> None:
    _sync_report_status(step.record.report)
    _tell_hand_over(step.record, step.transition, event, record)
    if "previous_officer" in step.extra:
        _tell_reassigned(step.record, step.extra["previous_officer"], event, record)
    if "transfer" in step.extra:
        _tell_transfer(step.record, step.extra["transfer"], event, step.extra.get("moved_from_officer"))


def _commune_people(unit_id: int) -> list[User]:
    """Who answers for a commune's cases: its active officers and chairs; none active, the active supervisors above
    it (a message never goes only to an account that cannot act, docs/architecture.md#notifications)."""
    people = list(commune_staff(unit_id))
    if people:
        return people
    unit = AdminUnit.objects.select_related("parent__parent").get(pk=unit_id)
    return CommuneHeads([unit]).supervisors(unit_id)


def _tell_transfer(case: Case, transfer: CaseTransfer, step: CaseStep, previous: User | None) -> None:
    """A request: the receiving commune's staff. An answer: the person who asked (or, gone, the sending commune's
    staff). A move: the new officer in charge when someone else chose them, and the officer who had the case."""
    actor = step.actor
    who = actor.full_name or actor.username
    url = reverse("cases:transfer_list")
    key = f"case:{case.pk}:step:{step.pk}"
    to_name, from_name = transfer.to_unit.name, transfer.from_unit.name
    step_label = BY_ACTION[step.action].label if step.action in BY_ACTION else ""
    if step.action == "request_transfer":
        notify(
            recipients=[p for p in _commune_people(transfer.to_unit_id) if p.pk != actor.pk],
            title=f"Đề nghị chuyển hồ sơ {case} từ {from_name} đến {to_name}",
            body=f"{who} ({from_name}) đề nghị {to_name} tiếp nhận hồ sơ. Lý do: {transfer.reason[:300]}",
            url=url,
            key=key,
            **{**case_alert(case, AlertKind.MY_TURN, step_label), "unit": transfer.to_unit_id},
        )
        return
    if step.action == "cancel_transfer":
        notify(
            recipients=[p for p in _commune_people(transfer.to_unit_id) if p.pk != actor.pk],
            title=f"{from_name} đã rút đề nghị chuyển hồ sơ {case}",
            body=f"{who} đã rút đề nghị chuyển hồ sơ {case} đến {to_name}.",
            url=url,
            key=key,
            **{**case_alert(case, what=step_label), "unit": transfer.to_unit_id},
        )
        return
    if step.action in ("accept_transfer", "decline_transfer"):
        asker = transfer.requested_by
        askers = [asker] if asker.is_active else _commune_people(transfer.from_unit_id)
        if step.action == "accept_transfer":
            title = f"{to_name} đã tiếp nhận hồ sơ {case}"
            body = f"{who} đã tiếp nhận hồ sơ {case}; cán bộ phụ trách: {case.officer}."
        else:
            title = f"{to_name} từ chối tiếp nhận hồ sơ {case}"
            body = f"{who} đã từ chối tiếp nhận hồ sơ {case}. Lý do: {transfer.decline_reason[:300]}"
        notify(
            recipients=[p for p in askers if p.pk != actor.pk],
            title=title,
            body=body,
            url=url,
            key=key,
            **{**case_alert(case, what=step_label), "unit": transfer.from_unit_id},
        )
    if transfer.status == "accepted":
        if case.officer_id != actor.pk:
            notify(
                recipients=[case.officer],
                title=f"Bạn được giao phụ trách hồ sơ {case} chuyển đến từ {from_name}",
                body=f"{who} đã chuyển hồ sơ {case} từ {from_name} đến {to_name} và giao cho bạn phụ trách.",
                url=reverse("cases:case_detail", args=[case.pk]),
                key=key,
                **case_alert(case, AlertKind.MY_TURN, step_label),
            )
        if previous is not None and previous.pk not in (actor.pk, transfer.requested_by_id):
            notify(
                recipients=[previous],
                title=f"Hồ sơ {case} đã chuyển đến {to_name}",
                body=f"{who} đã chuyển hồ sơ {case} từ {from_name} đến {to_name}.",
                url=url,
                key=key,
                **{**case_alert(case, what=step_label), "unit": transfer.from_unit_id},
            )


def _tell_reassigned(case: Case, previous: User, step: CaseStep, record: dict[str, Any]) -> None:
    """Tell the new officer in charge, and the previous one if their account is active (`notify` skips it if not)."""
    actor = step.actor
    body = f"{actor.full_name or actor.username} đã giao hồ sơ {case} cho {case.officer}."
    reason = str(record.get("reason") or "").strip()
    if reason:
        body += f" Lý do: {reason[:300]}"
    url = reverse("cases:case_detail", args=[case.pk])
    key = f"case:{case.pk}:step:{step.pk}"
    label = BY_ACTION[step.action].label if step.action in BY_ACTION else ""
    notify(
        recipients=[case.officer],
        title=f"Bạn được giao phụ trách hồ sơ {case}",
        body=body,
        url=url,
        key=key,
        **case_alert(case, AlertKind.MY_TURN, label),
    )
    notify(
        recipients=[previous],
        title=f"Hồ sơ {case} đã được giao cho cán bộ khác",
        body=body,
        url=url,
        key=key,
        **case_alert(case, what=label),
    )


CASEWORK: Workflow[Case, Transition] = Workflow(
    transitions=TRANSITIONS,
    lock=lambda: Case.objects.select_for_update().select_related("unit", "report"),
    state_field="state",
    states=CaseState,
    event_model=CaseStep,
    event_of="case",
    audit_action=case_step,
    unknown="Không có bước “{action}” trong quy trình.",
    stale="Hồ sơ vừa được người khác cập nhật. Nội dung bạn nhập vẫn còn dưới đây; "
    "hãy xem lại bước hiện tại rồi gửi lại.",
    state_refusal="Không thể thực hiện “{label}” khi hồ sơ đang ở bước “{state}”.",
    who=_who,
    takes_part=_takes_part,
    checks=(_receiving_side,),
    event=lambda step, record: {"record": _json({**record, **_offline(step)})},
    apply=_deadlines,
    after=_after,
)


def case_act(
    *, actor: User, case: Case, action: str, version: int, data: dict[str, Any], at: dt.datetime | None = None
) -> CaseStep:
    """Take `action` of the workflow table on `case`, as edited from `version` (childprotect/workflow.py); `at`: when
    it was recorded, if not now (the offline field app: the step's record keeps `offline`, both times)."""
    try:
        event: CaseStep = CASEWORK.act(actor=actor, record=case, action=action, version=version, data=data, at=at)
    except Case.DoesNotExist as error:  # deleted (hidden) meanwhile: the live manager no longer finds it
        raise ValidationError("Hồ sơ này đã bị xoá; không thể thực hiện bước này.", code="refused") from error
    finally:
        forget_open_transfer(case)  # a transfer step changes it; the next read asks again
    return event


@dataclass(frozen=True)
class Reassigned:
    moved: list[Case]
    refused: list[tuple[int, str]]  # (case id, why), in the order asked


# A case of the bulk page changed by someone else since the page was shown (or posted without the version shown).
BULK_STALE = "Hồ sơ đã được người khác cập nhật sau khi trang được mở; hãy xem lại rồi giao lại."


def case_reassign_many(*, actor: User, cases: dict[int, int | None], officer: User, reason: str = "") -> Reassigned:
    """Reassign each case through the workflow's `reassign` step, one transaction each (its own audit entry and
    timeline step), as of the version the page showed (`cases`: id to version): a case someone else changed since
    is refused as stale and left as it is, the others go on. A case out of the actor's reach is refused as not
    found, the same as one that does not exist."""
    moved: list[Case] = []
    refused: list[tuple[int, str]] = []
    for pk, version in cases.items():
        case = cases_visible_to(actor).filter(pk=pk).first()
        if case is None:
            refused.append((pk, "Không tìm thấy hồ sơ trong địa bàn bạn phụ trách."))
            continue
        if version is None:
            refused.append((pk, BULK_STALE))
            continue
        try:
            case_act(
                actor=actor, case=case, action="reassign", version=version, data={"officer": officer, "reason": reason}
            )
        except ValidationError as error:
            refused.append((pk, BULK_STALE if getattr(error, "code", None) == "stale" else " ".join(error.messages)))
        else:
            moved.append(case)
    return Reassigned(moved, refused)


@dataclass(frozen=True)
class RehomeChoice:
    case: int
    unit: int | None  # the current-list commune chosen (None: none chosen for a split commune)
    version: int  # the case's version on the page as the supervisor saw it


@dataclass(frozen=True)
class Rehomed:
    moved: list[Case]
    refused: list[tuple[int, str]]  # (case id, why), in the order asked


def case_rehome_many(*, actor: User, choices: list[RehomeChoice]) -> Rehomed:
    """Move each case to the current-list commune chosen through the workflow's `rehome` step, one transaction
    each (its own audit entry and timeline step), from the version shown on the page. A case out of reach is refused
    as not found; a split commune's case with no commune chosen is refused, never guessed."""
    moved: list[Case] = []
    refused: list[tuple[int, str]] = []
    seen: set[int] = set()
    for choice in choices:
        if choice.case in seen:
            continue
        seen.add(choice.case)
        case = cases_visible_to(actor).filter(pk=choice.case).first()
        if case is None:
            refused.append((choice.case, "Không tìm thấy hồ sơ trong địa bàn bạn phụ trách."))
            continue
        if choice.unit is None:
            refused.append((choice.case, "Xã, phường cũ đã chia tách: hãy chọn xã, phường mới cho hồ sơ này."))
            continue
        try:
            case_act(actor=actor, case=case, action="rehome", version=choice.version, data={"unit": choice.unit})
        except ValidationError as error:
            refused.append((choice.case, " ".join(error.messages)))
        else:
            moved.append(case)
    return Rehomed(moved, refused)


def _tell_hand_over(case: Case, transition: Transition, step: CaseStep, record: dict[str, Any]) -> None:
    """Tell the people whose turn it now is (cases/workflow.py `waiting_on`), and the officer in charge whenever
    someone else moved the case on (the chair decided, approved, returned or closed). Bell and e-mail, once each.

    When the officer can no longer act on the case (deactivated, moved: cases/responsible.py), what would be theirs
    goes to the commune's stand-ins, told why, until someone takes the case: never only to an account that left."""
    if transition.target is None:
        return  # nothing moved on (an activity recorded)
    turn = waiting_on(case.state)
    officers, why = (
        case_reminded(case) if Role.COMMUNE_OFFICER in turn or step.actor_id != case.officer_id else ([], "")
    )
    chairs = (
        list(User.objects.filter(role=Role.COMMUNE_CHAIR, unit_id=case.unit_id, is_active=True))
        if Role.COMMUNE_CHAIR in turn
        else []
    )
    actor = step.actor
    when = timezone.localtime(step.at).strftime("%H:%M %d/%m/%Y")
    body = (
        f"{actor.full_name or actor.username} đã ghi nhận “{transition.label}” lúc {when}. "
        f"Bước hiện tại: {CaseState(case.state).label}."
    )
    reason = str(record.get("reason") or "").strip()
    if reason:
        body += f" Lý do: {reason[:300]}"
    if why:
        body = _stand_in([why], body)
    told = {actor.pk}
    # The chairs first: a chair standing in for the officer is told once, of their own turn.
    for role, people in ((Role.COMMUNE_CHAIR, chairs), (Role.COMMUNE_OFFICER, officers)):
        people = [p for p in people if p.pk not in told]
        told.update(p.pk for p in people)
        if not people:
            continue
        labels = [t.label for t in next_transitions(case.state, role)]
        if role == Role.COMMUNE_OFFICER and why:
            title = f"Hồ sơ {case} cần cán bộ phụ trách: {labels[0] if labels else transition.label}"
        elif labels:
            title = f"Đến lượt bạn: {labels[0]} – hồ sơ {case}"
        else:
            title = f"Hồ sơ {case}: {transition.label}"
        notify(
            recipients=people,
            title=title,
            body=body,
            url=reverse("cases:case_detail", args=[case.pk]),
            key=f"case:{case.pk}:step:{step.pk}",
            **case_alert(
                case, AlertKind.MY_TURN if labels or why else AlertKind.OTHER, labels[0] if labels else transition.label
            ),
        )


def _sync_report_status(report: Report) -> None:
    states = set(report.cases.values_list("state", flat=True))
    status = ReportStatus.CLOSED if states == {CaseState.CLOSED} else ReportStatus.HANDLING
    if states and report.status != status:
        Report.objects.filter(pk=report.pk).update(status=status)


def case_comment(*, actor: User, case: Case, text: str, requests_changes: bool = False) -> CaseComment:
    """A comment on the case; supervisors use it to review and ask for changes. The officer in charge is told (or,
    when they can no longer act on it, who stands in for them: cases/responsible.py)."""
    if not can_comment(actor) or not user_reaches_unit(actor, case.unit):
        raise ValidationError("Vai trò của bạn không góp ý trên hồ sơ này.")
    if not text.strip():
        raise ValidationError({"text": "Ý kiến không được để trống."})
    with transaction.atomic():
        comment = CaseComment.objects.create(
            case=case, author=actor, at=timezone.now(), text=text.strip(), requests_changes=requests_changes
        )
        audit_record(actor=actor, action=CaseAction.COMMENT, obj=case, changes={"requests_changes": requests_changes})
        # The officer in charge; when they can no longer act on the case, the commune's stand-ins, told why.
        people, why = case_reminded(case)
        people = [p for p in people if p.pk != actor.pk]
        if people:
            notify(
                recipients=people,
                title=f"Ý kiến mới về hồ sơ {case}",
                body=_stand_in([why], text.strip()[:300]) if why else text.strip()[:300],
                url=reverse("cases:case_detail", args=[case.pk]),
                **case_alert(case, AlertKind.MY_TURN if requests_changes else AlertKind.OTHER),
            )
    return comment


@dataclass
class ScanResult:
    due_soon: int = 0
    overdue: int = 0
    notifications: int = 0


SCAN_BATCH = 500  # deadlines reminded per transaction (and per set of recipient queries)


class _Recipients:
    """Who is told of a batch of deadlines, read in at most one query per kind of recipient: each agency's active
    partners (referral deadlines), and the chairs of each commune with the supervisors above it, read when the
    deadlines have passed or when someone must stand in for an officer, a sender or an agency that cannot act
    (cases/responsible.py: the officer and the sender are already loaded with the deadline)."""

    def __init__(self, deadlines: list[Deadline], kind: str) -> None:
        self.partners: dict[int, list[User]] = {}
        agencies = {d.referral.agency_id for d in deadlines if d.referral is not None}
        if agencies:
            for user in agencies_partners(agencies):
                self.partners.setdefault(user.agency_id or 0, []).append(user)
        needed = kind == ReminderKind.OVERDUE or any(
            absent_reason(d.case.officer, d.case.unit_id)
            if d.referral is None
            else not self.partners.get(d.referral.agency_id)
            for d in deadlines
        )
        self.heads = CommuneHeads({d.case.unit for d in deadlines} if needed else [])

    def above_commune(self, case: Case, *, chairs: bool = True) -> list[User]:
        """Past the deadline: the commune's chairs, and the supervisors of every unit above the commune."""
        return (self.heads.chairs(case.unit_id) if chairs else []) + self.heads.supervisors(case.unit_id)


def deadlines_scan(now: dt.datetime | None = None) -> ScanResult:
    """Remind the officer in charge before a deadline passes; once it has passed, also the chair and supervisors.

    Exactly once per deadline and kind: the Reminder row is unique, and a second scan (or a retried task) that meets
    it does nothing. The deadlines are reminded in batches, each in one transaction with its notifications (a fixed
    number of queries per batch, whatever its size); emails go out after the commit.
    """
    now = now or timezone.now()
    result = ScanResult()
    base = Deadline.objects.filter(status=DeadlineStatus.OPEN).select_related(
        "case__officer", "case__unit__parent__parent", "case__child", "referral__agency", "referral__sent_by"
    )
    soon = base.filter(remind_at__lte=now, due_at__gt=now).exclude(reminders__kind=ReminderKind.DUE_SOON)
    late = base.filter(due_at__lte=now).exclude(reminders__kind=ReminderKind.OVERDUE)
    for kind, deadlines in ((ReminderKind.DUE_SOON, soon), (ReminderKind.OVERDUE, late)):
        batch: list[Deadline] = []
        for deadline in deadlines.iterator(chunk_size=SCAN_BATCH):
            batch.append(deadline)
            if len(batch) == SCAN_BATCH:
                _remind_batch(batch, kind, now, result)
                batch = []
        if batch:
            _remind_batch(batch, kind, now, result)
    return result


def _remind_batch(batch: list[Deadline], kind: str, now: dt.datetime, result: ScanResult) -> None:
    """The reminders of `batch` for `kind`: their Reminder rows (unique: a deadline whose row another scan made
    first is skipped, and nothing is sent for it) and a notification to each of its recipients, in one
    transaction."""
    recipients = _Recipients(batch, kind)
    messages = {
        d.pk: _referral_message(d, kind, recipients) if d.referral_id else _case_message(d, kind, recipients)
        for d in batch
    }
    with transaction.atomic():
        won = insert_new(
            Reminder,
            [{"deadline": d.pk, "kind": kind, "sent_at": now} for d in batch],
            returning=["deadline"],
        )
        mine = {deadline_id for (deadline_id,) in won}
        made = notify_keyed(
            Keyed(
                recipient=user,
                title=title,
                body=body,
                url=url,
                key=f"deadline:{d.pk}:{kind}",
                **deadline_alert(d, kind),
            )  # fmt: skip
            for d in batch
            if d.pk in mine
            for title, body, to in [messages[d.pk]]
            for users, url in to
            for user in users
        )
    result.notifications += len(made)
    if kind == ReminderKind.DUE_SOON:
        result.due_soon += len(mine)
    else:
        result.overdue += len(mine)


_Message = tuple[str, str, list[tuple[Iterable[User | None], str]]]


def _case_message(deadline: Deadline, kind: str, recipients: _Recipients) -> _Message:
    """Before the limit, the officer in charge (or, when they cannot act, who stands in: cases/responsible.py);
    once it has passed, also the chairs and the supervisors above the commune. A stand-in is told why."""
    case = deadline.case
    what = DeadlineKind(deadline.kind).label
    title = (
        f"Sắp đến hạn: {what} – hồ sơ {case}" if kind == ReminderKind.DUE_SOON else f"Quá hạn: {what} – hồ sơ {case}"
    )
    people, why = case_reminded(case, recipients.heads)
    body = f"Hạn: {_due(deadline)}. Xã, phường: {case.unit.name}. Cán bộ phụ trách: {case.officer}."
    if why:
        body = _stand_in([why], body)
    if kind == ReminderKind.OVERDUE:
        people = people + recipients.above_commune(case)
    return title, body, [(people, reverse("cases:case_detail", args=[case.pk]))]


def _referral_message(deadline: Deadline, kind: str, recipients: _Recipients) -> _Message:
    """An agency's answer to a referral: its active partners before and after the limit (none left: who answers
    for the referring commune); once it has passed, also the commune officer who sent it (or, when they cannot act,
    the commune's chairs), the case officer (the same rule) and the supervisors above the commune."""
    referral = deadline.referral
    if referral is None:  # the scan calls this for referral deadlines only
        return _case_message(deadline, kind, recipients)
    case = deadline.case
    late = kind == ReminderKind.OVERDUE
    title = f"{'Quá hạn' if late else 'Sắp đến hạn'} phản hồi chuyển tuyến {referral} – {referral.agency.name}"
    body = f"Hạn phản hồi: {_due(deadline)}. Hồ sơ {case}, {case.unit.name}."
    page = reverse("referrals:referral_detail", args=[referral.pk])
    partners = recipients.partners.get(referral.agency_id, [])
    why = [] if partners else [_("%(agency)s không còn tài khoản hoạt động") % {"agency": referral.agency.name}]
    to: list[tuple[Iterable[User | None], str]] = [(partners or recipients.heads.stand_ins(case.unit_id), page)]
    if late:
        commune: list[User] = []
        sender = referral.sent_by
        if sender is not None and absent_reason(sender, case.unit_id, COMMUNE_STAFF):
            if sender.pk != case.officer_id:  # else the officer's reason, below, says it
                why.append(_("Người gửi chuyển tuyến không còn phụ trách: %(name)s") % {"name": sender})
            commune += recipients.heads.stand_ins(case.unit_id)
        elif sender is not None:
            commune.append(sender)
        officers, gone = case_reminded(case, recipients.heads)
        why += [gone] if gone else []
        commune += officers + recipients.above_commune(case, chairs=False)
        to.append((commune, reverse("cases:case_detail", args=[case.pk])))
    if why:
        body = _stand_in(why, body)
    return title, body, to


def _stand_in(why: list[str], body: str) -> str:
    """The body of a reminder sent to someone standing in: why, first."""
    return " ".join([f"{w}." for w in why] + [_("Anh/chị nhận nhắc việc thay cho đến khi có người nhận."), body])


def _due(deadline: Deadline) -> str:
    return timezone.localtime(deadline.due_at).strftime("%H:%M %d/%m/%Y")
