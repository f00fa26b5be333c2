"""A referral's lifecycle as one table (docs/law.md#referrals): who may move it from which status to which, and what
it does.

The commune (officer or chair of the case's commune) drafts, sends and withdraws; the receiving agency's partners
answer. Commune staff may also record an agency's answer that came on paper (the agency has no account): the event
is then marked as recorded on the agency's behalf. Each row carries its handler (referrals/handlers.py) and its form
(referrals/forms.py); `referrals.services.REFERRALS` binds the table to the engine (childprotect/workflow.py), which
takes its steps; tests walk it row by row.
"""

from __future__ import annotations

from dataclasses import dataclass

from childprotect.accounts.models import Role
from childprotect.accounts.policy import COMMUNE_STAFF, PARTNERS
from childprotect.workflow import Transition as Row

from . import forms as f
from . import handlers as h
from .models import ReferralStatus as R

# The role sets are childprotect/accounts/policy.py's; the table's names for them:
COMMUNE = COMMUNE_STAFF
AGENCY = PARTNERS
AGENCY_OR_COMMUNE = AGENCY | COMMUNE


@dataclass(frozen=True)
class Transition(Row):
    roles: frozenset[str]
    needs: tuple[str, ...] = ()  # what the step's form must hold, checked by the service
    grants: bool = False  # gives the agency's partners their view of the case
    revokes: bool = False  # takes it away (unless another open referral to the same agency needs it)
    settles: bool = False  # the agency answered: the response deadline is met or late
    cancels: bool = False  # the response is no longer owed


# fmt: off
TRANSITIONS: tuple[Transition, ...] = (
    Transition("edit", "Sửa dự thảo chuyển tuyến", (R.DRAFT,), R.DRAFT, COMMUNE,
               handler=h.edit, form=f.EditForm),
    # Consent (child aged 7 and above, carer) is recorded before anything is shared: the handler checks it here.
    Transition("send", "Gửi chuyển tuyến", (R.DRAFT,), R.SENT, COMMUNE,
               handler=h.send, form=f.OptionalNoteForm, grants=True),
    Transition("accept", "Tiếp nhận chuyển tuyến", (R.SENT,), R.ACCEPTED, AGENCY_OR_COMMUNE,
               handler=h.optional_note, form=f.OptionalNoteForm, settles=True),
    Transition("decline", "Từ chối chuyển tuyến", (R.SENT,), R.DECLINED, AGENCY_OR_COMMUNE,
               handler=h.decline, form=f.ReasonForm, needs=("reason",), revokes=True, settles=True),
    Transition("start", "Bắt đầu xử lý", (R.ACCEPTED,), R.IN_PROGRESS, AGENCY_OR_COMMUNE,
               handler=h.optional_note, form=f.OptionalNoteForm),
    Transition("note", "Ghi nhận việc đã làm", (R.ACCEPTED, R.IN_PROGRESS), R.IN_PROGRESS, AGENCY_OR_COMMUNE,
               handler=h.note, form=f.NoteForm, needs=("note",)),
    Transition("complete", "Hoàn thành, ghi nhận kết quả", (R.ACCEPTED, R.IN_PROGRESS), R.COMPLETED, AGENCY_OR_COMMUNE,
               handler=h.complete, form=f.CompleteForm, needs=("outcome", "actions_taken")),
    Transition("withdraw", "Rút lại chuyển tuyến", (R.DRAFT, R.SENT, R.ACCEPTED, R.IN_PROGRESS), R.WITHDRAWN, COMMUNE,
               handler=h.withdraw, form=f.ReasonForm, needs=("reason",), revokes=True, cancels=True),
)
# fmt: on

BY_ACTION = {t.action: t for t in TRANSITIONS}


def owners(step: Transition) -> frozenset[str]:
    """Whose step it is: the agency's when its partners may take it (commune staff then only record the agency's
    answer on its behalf), else the roles allowed."""
    return AGENCY if Role.PARTNER in step.roles else step.roles


def waiting_on(status: str) -> frozenset[str]:
    """Whose turn it is on a referral in `status`: the owners of every step moving it on from there. Withdrawing
    (`cancels`) is the commune's way out, not a next step: a sent referral waits on the agency."""
    moving = [owners(s) for s in TRANSITIONS if status in s.sources and s.target != status and not s.cancels]
    return frozenset.intersection(*moving) if moving else frozenset()


def next_transitions(status: str, role: str) -> list[Transition]:
    """The steps `role` takes on a referral in `status` when it is their turn: those moving it on first."""
    if role not in waiting_on(status):
        return []
    own = [s for s in TRANSITIONS if status in s.sources and role in owners(s) and not s.cancels]
    return sorted(own, key=lambda s: s.target == status)
