"""The periodic report's writes: prepare, edit, recompute, submit (freeze), approve, return; and the reminders.

A commune's figures are computed from its cases (reporting/indicators.py); a district's or province's are the sum of
the reports its units below have sent (submitted or approved), with the units that have not sent theirs listed.
Submission freezes the figures: nothing done to cases afterwards changes a sent report.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from childprotect.accounts.models import Role, User
from childprotect.accounts.policy import (
    CASEWORKERS,
    COMMUNE_STAFF,
    SUPERVISORS,
    can_oversee_area,
    can_sign_for_commune,
    works_for_commune,
)
from childprotect.alerts.models import AlertKind
from childprotect.audit.actions import PeriodicReportAction, periodic_report_step
from childprotect.audit.services import audit_record
from childprotect.core.services import notify
from childprotect.places.models import AdminUnit, UnitLevel
from childprotect.places.selectors import unit_reach
from childprotect.workflow import StepContext, Workflow

from . import indicators
from .models import PdfStatus, PeriodicReport, ReportEvent, ReportStatus, SentVersion
from .periods import Period, PeriodKind, period_for
from .selectors import periodic_reports_visible_to
from .workflow import FROZEN, TRANSITIONS, Transition

logger = logging.getLogger(__name__)


def role_towards(user: User, unit: AdminUnit) -> set[str]:
    """What `user` is for a report of `unit`: preparer, signer, reviewer (see reporting/workflow.py)."""
    if not user.is_authenticated or not user.is_active or user.unit is None:
        return set()
    roles: set[str] = set()
    own = user.unit_id == unit.pk
    if unit.level == UnitLevel.COMMUNE:
        if own and works_for_commune(user):
            roles.add("preparer")
        if own and can_sign_for_commune(user):
            roles.add("signer")
    elif own and can_oversee_area(user):
        roles |= {"preparer", "signer"}
    if can_oversee_area(user) and not own and user.unit.contains(unit):
        roles.add("reviewer")
    return roles


def _may_reopen(user: User, report: PeriodicReport) -> bool:
    """The supervisor who approved the report, or a supervisor of a unit above theirs (and above the report's)."""
    if "reviewer" not in role_towards(user, report.unit):
        return False
    approver = report.approved_by
    if approver is None or approver.pk == user.pk:
        return True
    unit, above = user.unit, approver.unit
    return unit is not None and above is not None and unit.pk != above.pk and unit.contains(above)


def has_part_in(user: User, report: PeriodicReport, step: Transition) -> bool:
    """Whether the user is of the kind who takes this step at all (refusals to others are a 403, not a message)."""
    return ("reviewer" if step.who == "approver" else step.who) in role_towards(user, report.unit)


def step_not_yet_open(report: PeriodicReport, step: Transition, today: dt.date | None = None) -> dt.date | None:
    """The day the step opens when it is not open yet (sending before the period has ended), else None."""
    opens = report.period.send_opens
    if step.after_period and (today or timezone.localdate()) < opens:
        return opens
    return None


def not_yet_open_message(report: PeriodicReport, opens: dt.date) -> str:
    return _(
        "Chưa thể gửi hoặc phê duyệt báo cáo %(period)s: kỳ báo cáo đến hết ngày %(end)s, báo cáo chỉ được gửi từ ngày "
        "%(opens)s."
    ) % {
        "period": report.period.label,
        "end": report.period_end.strftime("%d/%m/%Y"),
        "opens": opens.strftime("%d/%m/%Y"),
    }


def _who(user: User, report: PeriodicReport, transition: Transition) -> str | None:
    if transition.who == "approver":
        if not _may_reopen(user, report):
            return _(
                "Chỉ cán bộ giám sát đã phê duyệt báo cáo (hoặc cán bộ giám sát cấp trên) mới mở lại được báo cáo này."
            )
    elif transition.who not in role_towards(user, report.unit):
        return {
            "preparer": "Chỉ cán bộ của đơn vị lập báo cáo mới soạn được báo cáo này.",
            "signer": f"Chỉ {report.unit.chair_title} mới ký, gửi báo cáo này."
            if report.unit.level == UnitLevel.COMMUNE
            else "Chỉ cán bộ giám sát của đơn vị mới ký, gửi báo cáo này.",
            "reviewer": "Chỉ cán bộ giám sát cấp trên mới phê duyệt hoặc trả lại báo cáo này.",
        }[transition.who]
    return None


def periodic_report_record_view(
    *,
    actor: User,
    report: PeriodicReport,
    details: dict[str, Any] | None = None,
    action: PeriodicReportAction = PeriodicReportAction.VIEW,
) -> None:
    """Every page of a periodic report (its page, step forms, the cases behind a figure, the PDF's status) is recorded
    once per view, with the report's status: the figures lead to the children (NĐ 56 Đ33). So is every download of it
    (`action`: PeriodicReportAction.PDF_DOWNLOAD, .XLSX), with the `details` only."""
    changes = {"status": report.status, **(details or {})} if action == PeriodicReportAction.VIEW else details
    audit_record(actor=actor, action=action, obj=report, changes=changes or {})


def _not_yet_open(user: User, report: PeriodicReport, transition: Transition) -> str | None:
    opens = step_not_yet_open(report, transition)
    return None if opens is None else not_yet_open_message(report, opens)


def _summed_above(user: User, report: PeriodicReport, transition: Transition) -> str | None:
    return _summed_above_refusal(report) if transition.action == "reopen" else None


def steps_waiting(user: User, report: PeriodicReport) -> list[tuple[Transition, dt.date]]:
    """The steps the user could take but for the date (shown disabled, with the day they open)."""
    waiting = []
    for step in TRANSITIONS:
        opens = step_not_yet_open(report, step)
        if opens is not None and REPORTS.role_or_state_refusal(user, report, step) is None:
            waiting.append((step, opens))
    return waiting


def _summed_above_refusal(report: PeriodicReport) -> str | None:
    """A report already summed into the sent report of the unit above stays as it was summed: the report above is
    final once sent (a province's), or must itself be reopened first (a district's), so the figures never disagree."""
    parent = report.unit.parent
    if parent is None:
        return None
    above = PeriodicReport.objects.filter(unit=parent, kind=report.kind, year=report.year, status__in=FROZEN).first()
    if above is None or not any(row[0] == report.pk for row in above.figures.get("included", [])):
        return None
    return _(
        "Không thể mở lại: báo cáo này đã được tổng hợp vào báo cáo của %(unit)s đã gửi. Báo cáo cấp trên phải được mở "
        "lại trước."
    ) % {"unit": parent.name}


def units_below(unit: AdminUnit) -> list[AdminUnit]:
    return list(AdminUnit.objects.filter(parent=unit).order_by("name"))


def staffed_units() -> QuerySet[User, Any]:
    """The ids of the units whose staff use the system (an active officer, chair or supervisor): the units expected
    to report."""
    return User.objects.filter(is_active=True, role__in=CASEWORKERS).values("unit_id")


def reporting_units_below(unit: AdminUnit) -> list[AdminUnit]:
    """The units directly below that are expected to report (staffed_units)."""
    return list(AdminUnit.objects.filter(parent=unit, pk__in=staffed_units()).order_by("name"))


def figures_for(unit: AdminUnit, period: Period) -> dict[str, Any]:
    """The report's figures now: computed from the cases of a commune, or summed from the reports sent from below."""
    now = timezone.now().isoformat()
    if unit.level == UnitLevel.COMMUNE:
        # The commune and the old communes it took over whole: their records are its own (docs/law.md#the-2025-reform).
        units = sorted(unit_reach(unit).values_list("pk", flat=True))
        return {"indicators": indicators.compute_all(units, period), "units": units, "computed_at": now}
    sent = list(
        PeriodicReport.objects.filter(
            unit__parent=unit, kind=period.kind, year=period.year, status__in=FROZEN
        ).select_related("unit")
    )
    sent_ids = {r.unit_id for r in sent}
    expected = reporting_units_below(unit)
    expected_ids = {u.pk for u in expected}
    below = units_below(unit)
    communes: list[int] = []
    for r in sent:
        communes += r.figures.get("units", [r.unit_id])
    # Beside each summed figure, the same indicator counted directly from the cases of the whole area (the units that
    # have not sent, or have no accounts, included): the gap between the two is what the sum leaves out.
    area = sorted(unit_reach(unit).values_list("pk", flat=True))
    return {
        "indicators": indicators.aggregate([r.figures.get("indicators", {}) for r in sent]),
        "direct": indicators.totals_all(area, period),
        "units": sorted(set(communes)),
        "included": [[r.pk, r.unit_id, r.unit.name, r.status] for r in sorted(sent, key=lambda r: r.unit.name)],
        "missing": [[u.pk, u.name] for u in expected if u.pk not in sent_ids],
        # Every other unit below that has sent nothing: no account uses the system there.
        "missing_without_accounts": [[u.pk, u.name] for u in below if u.pk not in expected_ids | sent_ids],
        "without_accounts": len(below) - len(expected),
        "computed_at": now,
    }


def report_prepare(*, actor: User, unit: AdminUnit, kind: str, year: int) -> PeriodicReport:
    """Open (or return) the report of `unit` for the period, with its figures computed now."""
    if kind not in PeriodKind.values:
        raise ValidationError({"kind": "Loại kỳ báo cáo không hợp lệ."})
    if "preparer" not in role_towards(actor, unit):
        raise ValidationError("Chỉ cán bộ của đơn vị lập báo cáo mới lập được báo cáo này.", code="refused")
    try:
        fields = PeriodicReport.period_fields(kind, year)
    except (ValueError, KeyError) as exc:
        raise ValidationError({"year": "Năm báo cáo không hợp lệ."}) from exc
    with transaction.atomic():
        report = PeriodicReport.objects.select_for_update().filter(unit=unit, kind=kind, year=year).first()
        if report is not None:
            return report
        now = timezone.now()
        report = PeriodicReport(unit=unit, kind=kind, year=year, prepared_by=actor, created_at=now, **fields)
        report.figures = figures_for(unit, report.period)
        report.computed_at = now
        try:
            # A savepoint: two people opening the same report at once both find none (there is no row to lock);
            # the second insert then waits for the first and fails on the unique constraint. It gets that report.
            with transaction.atomic():
                report.save()
        except IntegrityError:
            return PeriodicReport.objects.get(unit=unit, kind=kind, year=year)
        ReportEvent.objects.create(
            report=report,
            action="prepare",
            from_status=ReportStatus.DRAFT,
            to_status=ReportStatus.DRAFT,
            actor=actor,
            at=now,
        )
        audit_record(actor=actor, action=PeriodicReportAction.PREPARE, obj=report, changes={"kind": kind, "year": year})
    return report


def _flags(step: StepContext[PeriodicReport]) -> None:
    """The row's flags: the figures computed again now; frozen as the report's, sent by the actor."""
    report, transition = step.record, step.transition
    if transition.recomputes:
        report.figures = figures_for(report.unit, report.period)
        report.computed_at = step.now
    if transition.freezes:
        report.submitted_by, report.submitted_at = step.actor, step.now
        report.approved_by, report.approved_at = None, None


def _after(step: StepContext[PeriodicReport], event: ReportEvent, note: str) -> None:
    _record_version(step.record, step.transition.action, step.actor, step.now, note)
    _tell(step.record, step.transition, step.actor, note)


REPORTS: Workflow[PeriodicReport, Transition] = Workflow(
    transitions=TRANSITIONS,
    lock=lambda: PeriodicReport.objects.select_for_update(of=("self",)).select_related("unit"),
    state_field="status",
    states=ReportStatus,
    event_model=ReportEvent,
    event_of="report",
    audit_action=periodic_report_step,
    unknown="Không có bước “{action}” trong quy trình báo cáo.",
    stale="Báo cáo vừa được người khác cập nhật. Hãy xem lại rồi gửi lại.",
    state_refusal="Không thể “{label}” khi báo cáo đang ở trạng thái “{state}”.",
    who=_who,
    takes_part=has_part_in,
    checks=(_not_yet_open, _summed_above),
    event=lambda step, note: {"note": note},
    apply=_flags,
    after=_after,
)


def report_act(
    *, actor: User, report: PeriodicReport, action: str, version: int, data: dict[str, Any] | None = None
) -> PeriodicReport:
    """Take `action` of the report's table on `report`, as edited from `version` (childprotect/workflow.py); the
    report as the step left it."""
    event: ReportEvent = REPORTS.act(actor=actor, record=report, action=action, version=version, data=data)
    return event.report


def _record_version(report: PeriodicReport, action: str, actor: User, now: dt.datetime, note: str) -> None:
    """Keep each sending for good: a new SentVersion when the report is sent; its approval, return or reopening
    (with the reason) afterwards. The PDF already made of a sent version moves to it before the report changes."""
    if action == "submit":
        SentVersion.objects.create(
            report=report,
            number=report.sent_versions.count() + 1,
            report_version=report.version,
            figures=report.figures,
            computed_at=report.computed_at,
            doc_number=report.number,
            results=report.results,
            difficulties=report.difficulties,
            proposals=report.proposals,
            submitted_by=actor,
            submitted_at=now,
            signed_by=report.signed_by,
            signer_position=report.signer_position,
        )
        return
    sent = report.sent_versions.order_by("-number").first()
    if sent is None:
        return
    if action == "approve":
        sent.approved_by, sent.approved_at = actor, now
    elif action in ("return", "reopen"):
        sent.ended_by_action, sent.ended_by, sent.ended_at, sent.ended_note = action, actor, now, note
        made = report.pdf_status == PdfStatus.DONE and report.pdf and report.pdf_version >= sent.report_version
        if made and not sent.pdf:
            try:
                with report.pdf.open("rb") as handle:
                    sent.pdf.save(f"{sent.number}.pdf", ContentFile(handle.read()), save=False)
            except (FileNotFoundError, ValueError):
                pass  # the file is gone: the version's PDF is made again from its frozen figures when asked
    else:
        return
    sent.save()


def sent_version_pdf(*, actor: User, sent: SentVersion) -> bytes:
    """The official PDF of a sent version: the one kept, or made once from its frozen figures and kept."""
    from .output import report_pdf_bytes

    with transaction.atomic():
        locked = SentVersion.objects.select_for_update(of=("self",)).select_related("report__unit").get(pk=sent.pk)
        if locked.pdf:
            try:
                with locked.pdf.open("rb") as handle:
                    data: bytes = handle.read()
            except (FileNotFoundError, ValueError):
                pass  # the row outlived its file: made again below
            else:
                audit_record(
                    actor=actor,
                    action=PeriodicReportAction.PDF_DOWNLOAD,
                    obj=locked.report,
                    changes={"sent": locked.number},
                )
                return data
        data = report_pdf_bytes(locked.as_report())
        locked.pdf.save(f"{locked.number}.pdf", ContentFile(data), save=True)
        audit_record(
            actor=actor, action=PeriodicReportAction.PDF_DOWNLOAD, obj=locked.report, changes={"sent": locked.number}
        )
    return data


def _reviewers(unit: AdminUnit) -> list[User]:
    above = [a.pk for a in unit.ancestors()]
    return list(User.objects.filter(is_active=True, role=Role.SUPERVISOR, unit_id__in=above))


def _staff(unit: AdminUnit) -> list[User]:
    roles = COMMUNE_STAFF if unit.level == UnitLevel.COMMUNE else SUPERVISORS
    return list(User.objects.filter(is_active=True, role__in=roles, unit=unit))


def _tell(report: PeriodicReport, step: Transition, actor: User, note: str) -> None:
    url = reverse("reporting:report_detail", args=[report.pk])
    # Sent: the reviewers' turn; returned or reopened: the unit's; approved: news. The period names the report.
    alert: dict[str, Any] = {
        "kind": AlertKind.MY_TURN if step.action == "submit" else AlertKind.OTHER,
        "unit": report.unit_id,
        "ref": f"{report.kind}-{report.year}",
        "what": str(step.label),
    }
    if step.action == "submit":
        notify(recipients=_reviewers(report.unit), title=f"{report} đã được gửi", body="", url=url, **alert)
    elif step.action in ("approve", "return", "reopen"):
        verdict = {"approve": "được phê duyệt", "return": "bị trả lại để sửa", "reopen": "được mở lại để sửa"}[
            step.action
        ]
        if step.action != "approve":
            alert["kind"] = AlertKind.MY_TURN
        notify(recipients=_staff(report.unit), title=f"{report} {verdict}", body=note[:300], url=url, **alert)


def report_pdf_queue(*, actor: User, report: PeriodicReport) -> bool:
    """Ask for the official PDF of the report as it is now; False when one is already being made or up to date."""
    with transaction.atomic():
        locked = PeriodicReport.objects.select_for_update().get(pk=report.pk)
        busy = locked.pdf_status in (PdfStatus.PENDING, PdfStatus.RUNNING)
        current = locked.pdf_status == PdfStatus.DONE and locked.pdf_version == locked.version
        if busy or current:
            return False
        locked.pdf_status, locked.pdf_progress = PdfStatus.PENDING, 0
        locked.save(update_fields=["pdf_status", "pdf_progress"])
        audit_record(
            actor=actor, action=PeriodicReportAction.PDF_REQUEST, obj=locked, changes={"version": locked.version}
        )
        from .tasks import render_report_pdf

        transaction.on_commit(lambda: _queue_pdf(render_report_pdf, locked.pk, actor.pk))
    report.refresh_from_db()
    return True


def _queue_pdf(task: Any, report_id: int, actor_id: int) -> None:
    """Queue the PDF's rendering; a broker that is down is no error for the request: the PDF, still pending, is marked
    failed (not "being made" forever), and can be asked for again."""
    try:
        task.delay(report_id, actor_id)
    except Exception:  # kombu's OperationalError, a timeout, a refused connection: all are "not queued"
        logger.warning("report %s: PDF task not queued (broker unavailable)", report_id, exc_info=True)
        PeriodicReport.objects.filter(pk=report_id, pdf_status=PdfStatus.PENDING).update(pdf_status=PdfStatus.FAILED)


def _pdf_progress(report_id: int, percent: int, status: str = PdfStatus.RUNNING) -> None:
    PeriodicReport.objects.filter(pk=report_id).update(pdf_status=status, pdf_progress=percent)


def report_pdf_render(*, report_id: int, actor_id: int) -> str:
    """Make the report's official PDF asked for by `report_pdf_queue` and store it ("done"), or refuse ("refused")
    when the asker is no longer active or no longer reaches the report. Progress (0–100) is kept on the report for
    its status page; a render that raises marks the PDF failed and lets the exception through (the worker logs it)."""
    from .output import report_pdf_bytes

    actor = User.objects.filter(pk=actor_id, is_active=True).first()
    report = periodic_reports_visible_to(actor).filter(pk=report_id).first() if actor else None
    if actor is None or report is None:
        _pdf_progress(report_id, 0, PdfStatus.FAILED)
        return "refused"
    _pdf_progress(report.pk, 10)
    try:
        pdf = report_pdf_bytes(report, progress=lambda p: _pdf_progress(report.pk, p))
    except Exception:
        _pdf_progress(report.pk, 0, PdfStatus.FAILED)
        raise
    with transaction.atomic():
        locked = PeriodicReport.objects.select_for_update().get(pk=report.pk)
        if locked.pdf:
            locked.pdf.delete(save=False)
        locked.pdf.save(f"{locked.pk}.pdf", ContentFile(pdf), save=False)
        locked.pdf_status, locked.pdf_progress, locked.pdf_version = PdfStatus.DONE, 100, report.version
        locked.save(update_fields=["pdf", "pdf_status", "pdf_progress", "pdf_version"])
        audit_record(actor=actor, action=PeriodicReportAction.PDF, obj=locked, changes={"version": report.version})
    return "done"


def due_reminders_scan(today: dt.date | None = None) -> int:
    """Remind the units that have not sent their report: once a week before the due date (the staff), and once after
    it (the staff and the supervisors above). Exactly once per unit, period and step: the notification key is unique.
    """
    today = today or timezone.localdate()
    sent = 0
    for kind in PeriodKind.values:
        for year in (today.year, today.year + 1):
            period = period_for(kind, year)
            before = period.due - dt.timedelta(days=settings.CHILDPROTECT_REPORT_REMIND_DAYS_BEFORE)
            if today < before or today > period.due + dt.timedelta(days=30):
                continue
            step = "due_soon" if today <= period.due else "overdue"
            sent += _remind_units(period, step)
    return sent


def _remind_units(period: Period, step: str) -> int:
    done = set(
        PeriodicReport.objects.filter(kind=period.kind, year=period.year, status__in=FROZEN).values_list(
            "unit_id", flat=True
        )
    )
    staff = User.objects.filter(is_active=True, role__in=CASEWORKERS, unit__isnull=False).select_related(
        "unit__parent__parent"
    )
    by_unit: dict[AdminUnit, list[User]] = {}
    for user in staff:
        if user.unit is not None:
            by_unit.setdefault(user.unit, []).append(user)
    count = 0
    # Due at the end of the due day, local time.
    due_at = timezone.make_aware(dt.datetime.combine(period.due, dt.time(23, 59)))
    for unit, own in by_unit.items():
        unit_id = unit.pk
        if unit_id in done:
            continue
        recipients = own + (_reviewers(unit) if step == "overdue" else [])
        due = period.due.strftime("%d/%m/%Y")
        title = (
            f"Sắp đến hạn gửi báo cáo {period.label} ({due}) – {unit.name}"
            if step == "due_soon"
            else f"Quá hạn gửi báo cáo {period.label} ({due}) – {unit.name}"
        )
        with transaction.atomic():
            created = notify(
                recipients=recipients,
                title=title,
                url=reverse("reporting:report_list"),
                key=f"report:{period.key}:{unit_id}:{step}",
                kind=AlertKind.REPORT_DUE,
                unit=unit_id,
                ref=period.key,
                due_at=due_at,
            )
        count += len(created)
    return count
