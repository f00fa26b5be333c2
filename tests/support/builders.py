"""Records built through the real services, as a user's actions would build them (docs/architecture.md#tests).

Cases: `open_case` (a report in commune A with one child: the case it opens), `act` (one workflow action with valid
data dated today), `walk` (along the happy path to a state), `snapshot` (everything an action could change).
Referrals and periodic reports: `send_referral`, `referral_step`, `report_step`. Registries: `csv_file`, `child_row`.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

from django.utils import timezone

from cases.models import Case, CaseState, CaseStep, Report, Term, TermKind
from cases.services import ChildData, ReportData, case_act, child_register, report_attach_child, report_receive
from childprotect.accounts.models import Role, User
from childprotect.audit.models import AuditEntry
from childprotect.places.selectors import successors_of
from referrals.models import Consent, Referral
from referrals.services import ReferralData, referral_act, referral_create
from reporting.periods import PeriodKind
from reporting.services import report_act
from tests.factories import UserFactory, unit
from tests.support.places import COMMUNE_B

S = CaseState
REPORTER_NAME = "Đỗ Thị Mai"  # who reported, in the default report of the `report_data` fixture

# --- cases ----------------------------------------------------------------------------------------------------------

# The happy path, in order: each action and the state it leads to.
HAPPY_PATH: list[tuple[str, CaseState]] = [
    ("assess_initial", S.INITIAL_ASSESSED),
    ("decide_emergency", S.EMERGENCY_DECIDED),
    ("assess_specific", S.ASSESSED),
    ("draft_plan", S.PLAN_DRAFTED),
    ("approve_plan", S.IMPLEMENTING),
    ("review", S.REVIEWED),
    ("propose_closure", S.CLOSURE_PROPOSED),
    ("approve_closure", S.CLOSED),
]
# The happy path's next action from each state but the last (a state is where the previous action led).
NEXT_ON_PATH: dict[str, str] = dict(
    zip([S.RECEIVED, *(target for _, target in HAPPY_PATH[:-1])], (a for a, _ in HAPPY_PATH), strict=True)
)
TRANSFER_ACTIONS = ("request_transfer", "cancel_transfer", "accept_transfer", "decline_transfer", "transfer")
CHAIR_ACTIONS = {"decide_emergency", "approve_plan", "approve_closure", "reject_closure"}


# An emergency decision separating the child from the carer for 15 days (the chair's).
SEPARATION = {
    "emergency_needed": True,
    "measures": "Đưa trẻ đi khám tại Trạm Y tế phường; tạm thời cho trẻ ở với bà nội.",
    "separation": True,
    "separation_days": 15,
    "placement": "Nhà bà nội, Tổ dân phố 7, phường Hạc Thành",
    "note": "Người chăm sóc là người xâm hại.",
}


def records() -> dict[str, dict[str, Any]]:
    """Valid data for each action (what FORMS in cases/casework_forms.py produce), dated today (frozen)."""
    today = timezone.localdate()
    return {
        "assess_initial": {
            "risk_level": "high",
            "in_danger_now": True,
            "needs_emergency": False,
            "level": "intervention",
            "summary": "Đã gặp trẻ và gia đình; thông tin ban đầu có cơ sở.",
        },
        "decide_emergency": {
            "emergency_needed": False,
            "measures": "",
            "separation": False,
            "separation_days": None,
            "placement": "",
            "note": "Trẻ không gặp nguy hiểm tức thời.",
        },
        "assess_specific": {
            "level": "intervention",
            "needs": "Chăm sóc y tế, hỗ trợ tâm lý, tư vấn gia đình.",
            "meeting_date": today,
            "participants": "Cán bộ bảo vệ trẻ em, Công an phường, Trạm Y tế, giáo viên chủ nhiệm",
            "minutes": "Thống nhất các nhu cầu hỗ trợ.",
        },
        "draft_plan": {
            "goals": "Trẻ an toàn, được chăm sóc y tế và hỗ trợ tâm lý; gia đình được tư vấn.",
            "end_date": today + dt.timedelta(days=60),
            "activities": [
                {
                    "activity": "Khám và điều trị",
                    "responsible": "Trạm Y tế phường",
                    "start": today,
                    "end": today + dt.timedelta(days=7),
                    "resources": "Bảo hiểm y tế",
                },
                {
                    "activity": "Tư vấn tâm lý cho trẻ (4 buổi)",
                    "responsible": "Trung tâm CTXH tỉnh",
                    "start": today,
                    "end": today + dt.timedelta(days=30),
                    "resources": "",
                },
            ],
        },
        "return_plan": {"reason": "Bổ sung hoạt động tư vấn cho gia đình."},
        "approve_plan": {"decision_number": "15/QĐ-UBND", "note": ""},
        "end_separation": {"end_decision_number": "21/QĐ-UBND", "end_decided_on": today, "note": "Trẻ đã an toàn."},
        # Beyond the 15 days of NĐ 56 Đ32 (SEPARATION runs 15 days from today): at a competent authority's request.
        "extend_separation": {
            "extension_decision_number": "18/QĐ-UBND",
            "extension_decided_on": today,
            "separation_until": today + dt.timedelta(days=20),  # past the 15 days of SEPARATION
            "requested_by": "Công an phường Hạc Thành, Công văn số 45/CV-CAP",
            "basis": "Cơ quan điều tra đề nghị tiếp tục cách ly trong thời gian điều tra.",
        },
        "log_activity": {"activity": "Khám và điều trị", "done_on": today, "note": "Trẻ đã được khám."},
        "review": {
            "harm_severity": "low",
            "abuser_access": "low",
            "care_obstacles": "low",
            "self_protection": "medium",
            "recovery_level": "high",
            "care_environment": "Gia đình đã thay đổi cách chăm sóc.",
            "recovery": "Trẻ đi học đều, tâm lý ổn định.",
            "risk_remains": False,
            "child_stable": True,
            "conclusion": "Đề xuất đóng hồ sơ.",
        },
        "continue_plan": {"note": ""},
        "propose_closure": {"note": ""},
        "approve_closure": {"note": ""},
        "reject_closure": {"reason": "Cần thêm một lần rà soát."},
        "reopen": {"reason": "Có thông tin trẻ lại bị bạo lực."},
        "reassign": {"reason": "Cán bộ phụ trách chuyển công tác."},
        "rehome": {"reason": "Sắp xếp đơn vị hành chính năm 2025."},
    }


def transfer_records() -> dict[str, dict[str, Any]]:
    """Valid data for the transfer steps: commune A's case to commune B (Phường Hàm Rồng)."""
    to_unit = unit(COMMUNE_B)
    return {
        "request_transfer": {"to_unit": to_unit, "reason": "Gia đình trẻ chuyển đến phường Hàm Rồng."},
        "cancel_transfer": {"note": ""},
        "accept_transfer": {"note": ""},
        "decline_transfer": {"reason": "Gia đình chưa đăng ký cư trú tại phường."},
        "transfer": {"to_unit": to_unit, "reason": "Gia đình trẻ chuyển đến phường Hàm Rồng."},
    }


def record(action: str, **overrides: Any) -> dict[str, Any]:
    if action in TRANSFER_ACTIONS:
        return {**transfer_records()[action], **overrides}
    return {**records()[action], **overrides}


def second_officer(case: Case) -> User:
    """An active officer of the case's commune other than its officer in charge (made the first time)."""
    found = (
        User.objects.filter(role=Role.COMMUNE_OFFICER, unit_id=case.unit_id, is_active=True)
        .exclude(pk=case.officer_id)
        .order_by("id")
        .first()
    )
    return found or UserFactory(role=Role.COMMUNE_OFFICER, unit=case.unit, full_name="Lê Thị Hoa")


def act(actor, case: Case, action: str, **overrides: Any) -> CaseStep:
    """Take `action` as `actor` from the case's current version, with valid data (overrides replace fields; a
    reassignment goes to `second_officer` unless told)."""
    case.refresh_from_db()
    if action == "reassign" and "officer" not in overrides:
        overrides["officer"] = second_officer(case)
    if action == "rehome" and "unit" not in overrides:  # the commune that took the case's over, or the first of a split
        found = successors_of([case.unit_id]).get(case.unit_id)
        overrides["unit"] = found.units[0].pk if found else None
    return case_act(actor=actor, case=case, action=action, version=case.version, data=record(action, **overrides))


def walk(case: Case, to: str, *, officer, chair) -> Case:
    """Move `case` along the happy path until it stands in state `to` (the officer and the chair taking turns)."""
    case.refresh_from_db()
    while case.state != to:
        action = NEXT_ON_PATH[case.state]
        act(chair if action in CHAIR_ACTIONS else officer, case, action)
    return case


def open_case(officer, make_report, make_child, *, child_name: str = "Nguyễn Văn An", **report_overrides) -> Case:
    """A report in commune A with one child attached by the officer: the Case it opens (state received)."""
    report = make_report(officer, **report_overrides)
    child = make_child(officer, full_name=child_name)
    report_attach_child(actor=officer, report=report, child=child)
    return report.cases.get(child=child)


def snapshot(case: Case) -> dict[str, Any]:
    """Everything an action could change on a case, to show that a refusal changed nothing."""
    fresh = Case.objects.get(pk=case.pk)
    return {
        "state": fresh.state,
        "version": fresh.version,
        "level": fresh.level,
        "closed_at": fresh.closed_at,
        "officer": fresh.officer_id,
        "steps": fresh.steps.count(),
        "deadlines": list(fresh.deadlines.order_by("id").values_list("kind", "status", "due_at", "settled_at")),
        "plans": list(fresh.plans.order_by("number").values_list("number", "status")),
        "reviews": fresh.reviews.count(),
        "comments": fresh.comments.count(),
        "measures": list(fresh.emergency_measures.values_list("separation", "separation_until", "extension_decision")),
        # The changes recorded (a form shown again is a view of the case, recorded as one, not a change).
        "audit": AuditEntry.objects.filter(action__startswith="case.", object_id=str(fresh.pk))
        .exclude(action="case.view")
        .count(),
        "report_status": Report.objects.get(pk=fresh.report_id).status,
    }


# --- referrals and periodic reports ---------------------------------------------------------------------------------


def send_referral(officer, case: Case, agency) -> Referral:
    """A referral of the case to `agency` for a medical check, with consent, sent by the officer."""
    data = ReferralData(
        agency=agency,
        services_requested="Khám sức khoẻ, điều trị thương tích cho trẻ.",
        child_consent=Consent.GIVEN,
        carer_consent=Consent.GIVEN,
    )
    referral = referral_create(actor=officer, case=case, data=data)
    referral_act(actor=officer, referral=referral, action="send", version=referral.version)
    referral.refresh_from_db()
    return referral


def referral_step(actor, referral: Referral, action: str, **data) -> Referral:
    """Take `action` on the referral from its current version; the referral as it then stands."""
    referral.refresh_from_db()
    referral_act(actor=actor, referral=referral, action=action, version=referral.version, data=data)
    referral.refresh_from_db()
    return referral


SEMI = PeriodKind.SEMIANNUAL  # the periodic reports of the tests: six-monthly


def report_step(actor, report, action: str, **data):
    """Take `action` on the periodic report from its current version."""
    report.refresh_from_db()
    return report_act(actor=actor, report=report, action=action, version=report.version, data=data)


# --- registries for the importer --------------------------------------------------------------------------------------

COLUMNS = [
    "Họ và tên",
    "Ngày sinh",
    "Năm sinh",
    "Giới tính",
    "Dân tộc",
    "Mã định danh",
    "Mã xã",
    "Người chăm sóc",
    "Điện thoại người chăm sóc",
    "Nhóm hoàn cảnh đặc biệt",
]


def csv_file(rows: list[list[str]], header: list[str] = COLUMNS, encoding: str = "utf-8-sig") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode(encoding)


def child_row(name: str, born: str = "05/03/2015", code: str = "14797", **extra: str) -> list[str]:
    values = {
        "Họ và tên": name,
        "Ngày sinh": born,
        "Năm sinh": "",
        "Giới tính": "Nam",
        "Dân tộc": "Kinh",
        "Mã định danh": "",
        "Mã xã": code,
        "Người chăm sóc": "Nguyễn Văn Bình",
        "Điện thoại người chăm sóc": "0912 345 678",
        "Nhóm hoàn cảnh đặc biệt": "",
    }
    values.update(extra)
    return [values[c] for c in COLUMNS]


def overdue_emergency(*, children: int = 1, **officer: Any) -> tuple[User, User, User]:
    """A report received 13 hours ago in commune A with `children` children and no emergency decision (NĐ 56 Đ26 k3:
    12 hours): as many overdue deadlines, each owed to the officer, the chair and the province's supervisor, who each
    have an e-mail address. For the tests with real workers (transactional: they make their own people).
    `officer`: more fields of the officer (a password to log in with)."""
    commune, province = unit("2026:14797"), unit("2026:38")
    person = UserFactory(role=Role.COMMUNE_OFFICER, unit=commune, email="canbo@example.vn", **officer)
    chair = UserFactory(role=Role.COMMUNE_CHAIR, unit=commune, email="chutich@example.vn")
    supervisor = UserFactory(role=Role.SUPERVISOR, unit=province, email="giamsat@example.vn")
    report = report_receive(
        actor=person,
        data=ReportData(
            report_type="to_giac",
            channel=Term.objects.get(kind=TermKind.CHANNEL, code="phone"),
            received_at=timezone.now() - dt.timedelta(hours=13),
            description="Trẻ bị đánh, chưa có quyết định bảo vệ khẩn cấp.",
            environment="family",
            incident_unit=commune,
            forms=["violence"],
            reporter_name="Người báo tin",
        ),
    )
    for i in range(children):
        name = "Đinh Thị Mỹ Duyên" if children == 1 else f"Trẻ thứ {i + 1}"
        child = child_register(
            actor=person,
            data=ChildData(full_name=name, sex="female", residence_unit=commune, date_of_birth=dt.date(2014, 3, 1)),
        )
        report_attach_child(actor=person, report=report, child=child)
    return person, chair, supervisor
