"""A report's own steps after it is logged (intake, NĐ 56 Đ26), as one table.

Each row: the action, its label, the statuses it may start from, the status it leads to (None: the report stays
where it is), who may take it, its handler (cases/intake_handlers.py) and its form (cases/intake_forms.py).
`cases.services.INTAKE` binds it to the engine (childprotect/workflow.py); its event row is `ReportStep`
(cases/models/moves.py) and its audit entries `report.<action>` (childprotect/audit/actions.py `report_step`).
Who may take a row is said twice: by role here, and towards the report in `cases/services/forward.py` (`_who`): the
commune holding it, a supervisor over that commune, the partner who logged it.
"""

from __future__ import annotations

from dataclasses import dataclass

from childprotect.accounts.policy import COMMUNE_STAFF, PARTNERS, SUPERVISORS
from childprotect.workflow import Transition as Row

from . import intake_forms as f
from . import intake_handlers as h
from .models import ReportStatus as S

OPEN = (S.RECEIVED, S.HANDLING)


@dataclass(frozen=True)
class Transition(Row):
    roles: frozenset[str]  # who may take it


# fmt: off
TRANSITIONS: tuple[Transition, ...] = (
    # NĐ 56 Đ26 k1: a report received where the incident did not happen goes at once to the commune where it did
    # (docs/architecture.md#moves); its cases go with it while they are at their first step.
    Transition("forward", "Chuyển thông tin đến UBND xã nơi xảy ra vụ việc", OPEN, None,
               COMMUNE_STAFF | SUPERVISORS | PARTNERS, handler=h.forward, form=f.ForwardForm, guard=h.cases_moved_on),
)
# fmt: on
