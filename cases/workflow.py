"""The statutory procedure of NĐ 56/2017 (Chương III, Điều 25–32) as one table.

Each row: the action, its label (naming the legal step and form, as users know it), the states it may start from,
the state it leads to (None: the case stays where it is), who may take it, its handler (cases/handlers.py) and its
form (cases/casework_forms.py), the official form it records, the deadlines it settles (met or late), the deadlines
it cancels (no longer owed) and the deadlines it starts. `cases.services.CASEWORK` binds it to the engine
(childprotect/workflow.py), which takes its steps; tests walk it row by row.
"""

from __future__ import annotations

from dataclasses import dataclass

from childprotect.accounts.policy import CASEWORKERS, CHAIRS, CHAIRS_AND_SUPERVISORS, OFFICERS, SUPERVISORS
from childprotect.accounts.policy import COMMUNE_STAFF as COMMUNE_STAFF
from childprotect.workflow import Transition as Row

from . import casework_forms as f
from . import handlers as h
from .models import CASE_DEADLINE_KINDS
from .models import CaseState as S
from .models import DeadlineKind as D

# The role sets are childprotect/accounts/policy.py's; the table's names for them:
OFFICER = OFFICERS
CHAIR = CHAIRS  # Chủ tịch / Phó Chủ tịch UBND xã: decides, approves, closes
CHAIR_OR_SUPERVISOR = CHAIRS_AND_SUPERVISORS
SUPERVISOR = SUPERVISORS
CASEWORKER = CASEWORKERS  # the commune's officer or chair, or a supervisor above it
OPEN_STATES = tuple(s for s in S if s != S.CLOSED)


@dataclass(frozen=True)
class Transition(Row):
    roles: frozenset[str]  # who may take it
    official_form: str = ""  # the official form it records ("02"…"06"), printed from its event
    settles: tuple[D, ...] = ()
    cancels: tuple[D, ...] = ()
    starts: tuple[D, ...] = ()
    # Taken by the receiving side of the case's open transfer (docs/architecture.md#moves): reach is checked against
    # the commune the case is asked to move to, not the one holding it (cases.services.CASEWORK `checks`).
    receiving: bool = False


# fmt: off
TRANSITIONS: tuple[Transition, ...] = (
    Transition("assess_initial", "Đánh giá nguy cơ ban đầu – Mẫu 02", (S.RECEIVED,), S.INITIAL_ASSESSED, OFFICER,
               handler=h.assess_initial, form=f.AssessInitialForm, official_form="02"),
    # NĐ 56 Đ26 k3: the emergency decision within 12 hours of receiving the report (deadline started at opening).
    Transition("decide_emergency", "Quyết định áp dụng biện pháp bảo vệ khẩn cấp (hoặc không cần)",
               (S.INITIAL_ASSESSED,), S.EMERGENCY_DECIDED, CHAIR,
               handler=h.decide_emergency, form=f.DecideEmergencyForm, settles=(D.EMERGENCY,)),
    Transition("assess_specific", "Đánh giá cụ thể, họp xác định nhu cầu – Mẫu 03",
               (S.EMERGENCY_DECIDED,), S.ASSESSED, OFFICER,
               handler=h.assess_specific, form=f.AssessSpecificForm, official_form="03"),
    # NĐ 56 Đ28 k1: the plan within 5 working days (except in an emergency: cases/handlers.py emergency_plan_clock);
    # after a review (Đ30 k1 c) it replaces the plan in force, on the clock the review started.
    Transition("draft_plan", "Xây dựng kế hoạch hỗ trợ, can thiệp – Mẫu 04",
               (S.ASSESSED, S.REVIEWED), S.PLAN_DRAFTED, OFFICER,
               handler=h.draft_plan, form=f.DraftPlanForm, official_form="04", settles=(D.PLAN,), starts=(D.APPROVAL,)),
    # Đ28 k4: the chair decides on the plan; a supervisor returns it only where the setting allows (the row's guard).
    Transition("return_plan", "Trả lại kế hoạch để sửa", (S.PLAN_DRAFTED,), S.ASSESSED, CHAIR_OR_SUPERVISOR,
               handler=h.return_plan, form=f.ReasonForm, guard=h.return_plan_guard, cancels=(D.APPROVAL,),
               starts=(D.PLAN,)),
    Transition("approve_plan", "Phê duyệt kế hoạch – Mẫu 05", (S.PLAN_DRAFTED,), S.IMPLEMENTING, CHAIR,
               handler=h.approve_plan, form=f.ApprovePlanForm, official_form="05", settles=(D.APPROVAL,),
               starts=(D.REVIEW,)),
    # NĐ 56 Đ32 k3: the temporary separation ends by the chair's decision (number, date), whatever step the case is at;
    # the case cannot close while it runs (NĐ 56 Đ30). Only offered while a separation runs (the row's guard).
    Transition("end_separation", "Chấm dứt biện pháp tách trẻ khỏi môi trường",
               (S.EMERGENCY_DECIDED, S.ASSESSED, S.PLAN_DRAFTED, S.IMPLEMENTING, S.REVIEWED, S.CLOSURE_PROPOSED),
               None, CHAIR, handler=h.end_separation, form=f.EndSeparationForm, guard=h.end_separation_guard,
               settles=(D.SEPARATION_END,)),
    # NĐ 56 Đ32: the chair extends a running separation (15 days in all unless a competent authority asks for more);
    # the separation's end deadline moves to the new last day (the handler restarts it).
    Transition("extend_separation", "Gia hạn thời hạn tạm thời cách ly trẻ em",
               (S.EMERGENCY_DECIDED, S.ASSESSED, S.PLAN_DRAFTED, S.IMPLEMENTING, S.REVIEWED, S.CLOSURE_PROPOSED),
               None, CHAIR, handler=h.extend_separation, form=f.ExtendSeparationForm, guard=h.end_separation_guard),
    Transition("log_activity", "Ghi nhận kết quả thực hiện kế hoạch", (S.IMPLEMENTING,), None, COMMUNE_STAFF,
               handler=h.as_is, form=f.LogActivityForm),
    # NĐ 56 Đ30: review (Mẫu 06) periodically (every 30 days by default) and at the end of the plan.
    Transition("review", "Rà soát, đánh giá – Mẫu 06", (S.IMPLEMENTING,), S.REVIEWED, OFFICER,
               handler=h.review, form=f.ReviewForm, official_form="06", settles=(D.REVIEW,)),
    Transition("continue_plan", "Tiếp tục thực hiện kế hoạch", (S.REVIEWED,), S.IMPLEMENTING, OFFICER,
               handler=h.as_is, form=f.NoteForm, cancels=(D.PLAN,), starts=(D.REVIEW,)),
    Transition("propose_closure", "Đề xuất đóng hồ sơ", (S.REVIEWED,), S.CLOSURE_PROPOSED, OFFICER,
               handler=h.require_closable, form=f.NoteForm),
    # NĐ 56 Đ30 k1 b: close once the separation has ended by decision (Đ32 k3) and the latest review on Mẫu 06 shows
    # low harm totals, self-protection and recovery as the settings ask, no remaining risk and a stable child
    # (cases/handlers.py closure_conditions); approved by the chair.
    Transition("approve_closure", "Phê duyệt đóng hồ sơ", (S.CLOSURE_PROPOSED,), S.CLOSED, CHAIR,
               handler=h.approve_closure, form=f.NoteForm, cancels=CASE_DEADLINE_KINDS),
    Transition("reject_closure", "Không đồng ý đóng hồ sơ, tiếp tục thực hiện",
               (S.CLOSURE_PROPOSED,), S.IMPLEMENTING, CHAIR,
               handler=h.as_is, form=f.ReasonForm, starts=(D.REVIEW,)),
    # The officer in charge changes hands (one who left, or a new share of the work); deadlines run on.
    Transition("reassign", "Giao hồ sơ cho cán bộ phụ trách khác", OPEN_STATES, None,
               CHAIR_OR_SUPERVISOR, handler=h.reassign, form=f.ReassignForm),
    # The child moves: the commune holding the case asks the new commune to take it; the receiving commune's officer or
    # chair (or a supervisor over it, of any province) accepts or declines; a supervisor over both moves it directly.
    # Deadlines run on; the case, its plans, referrals, attachments and history go with it (docs/architecture.md#moves).
    Transition("request_transfer", "Chuyển hồ sơ sang xã, phường khác", OPEN_STATES, None, CASEWORKER,
               handler=h.request_transfer, form=f.TransferRequestForm, guard=h.no_open_transfer),
    Transition("cancel_transfer", "Rút đề nghị chuyển hồ sơ", OPEN_STATES, None, CASEWORKER,
               handler=h.cancel_transfer, form=f.TransferCancelForm, guard=h.open_transfer_guard),
    Transition("accept_transfer", "Tiếp nhận hồ sơ chuyển đến", OPEN_STATES, None, CASEWORKER,
               handler=h.accept_transfer, form=f.TransferAcceptForm, receiving=True),
    Transition("decline_transfer", "Từ chối tiếp nhận hồ sơ chuyển đến", OPEN_STATES, None, CASEWORKER,
               handler=h.decline_transfer, form=f.TransferDeclineForm, receiving=True),
    Transition("transfer", "Chuyển hồ sơ trực tiếp (cán bộ giám sát)", OPEN_STATES, None, SUPERVISOR,
               handler=h.transfer_direct, form=f.TransferDirectForm, guard=h.no_open_transfer),
    # A case filed under an old-list commune goes to the current-list commune that took it over (the crosswalk,
    # docs/law.md#the-2025-reform): the same territory, so no transfer and no custody; offered for old units only.
    Transition("rehome", "Chuyển hồ sơ sang đơn vị hành chính mới", tuple(s for s in S if s != S.CLOSED), None,
               SUPERVISORS, handler=h.rehome, form=f.RehomeForm, guard=h.rehome_guard),
    Transition("reopen", "Mở lại hồ sơ (lập kế hoạch mới)", (S.CLOSED,), S.ASSESSED, COMMUNE_STAFF,
               handler=h.reopen, form=f.ReasonForm, starts=(D.PLAN,)),
)
# fmt: on

BY_ACTION = {t.action: t for t in TRANSITIONS}


def allowed_transitions(state: str, role: str) -> list[Transition]:
    """The actions a person of `role` may take on a case in `state`, in the table's order."""
    return [t for t in TRANSITIONS if state in t.sources and role in t.roles]


def waiting_on(state: str) -> frozenset[str]:
    """Whose turn it is on a case in `state` (the "Việc của tôi" lists, the hand-over notifications).

    The roles that may take every step moving the case on from there: a step more people may take does not make it
    theirs (a supervisor may also return a plan, approving it is the chair's turn), and steps that leave the case where
    it is (recording an activity) move nothing on. A closed case waits for no one: reopening it is a new decision.
    """
    if state == S.CLOSED:
        return frozenset()
    moving = [t.roles for t in TRANSITIONS if state in t.sources and t.target not in (None, state)]
    return frozenset.intersection(*moving) if moving else frozenset()


def next_transitions(state: str, role: str) -> list[Transition]:
    """The steps moving a case in `state` on that `role` takes when it is their turn; the ones only they may take
    first (approve the plan before returning it), then in the table's order."""
    turn = waiting_on(state)
    if role not in turn:
        return []
    moving = [t for t in TRANSITIONS if state in t.sources and role in t.roles and t.target not in (None, state)]
    return sorted(moving, key=lambda t: not t.roles <= turn)
