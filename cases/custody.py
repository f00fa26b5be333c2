"""Where a case was held once it moves (cases/models/moves.py `CaseCustody`): the writes, in the mover's step."""

from __future__ import annotations

import datetime as dt

from childprotect.places.models import AdminUnit

from .models import Case, CaseCustody


def custody_move(case: Case, to_unit: AdminUnit, at: dt.datetime) -> None:
    """Record that `case` leaves its commune (`case.unit`, not yet changed) for `to_unit` at `at`. The first move
    writes the stay it leaves (from the beginning) too; the caller then sets `case.unit`."""
    open_stay = CaseCustody.objects.filter(case=case, until__isnull=True).first()
    if open_stay is None:
        CaseCustody.objects.create(case=case, unit_id=case.unit_id, since=None, until=at)
    else:
        open_stay.until = at
        open_stay.save(update_fields=["until"])
    CaseCustody.objects.create(case=case, unit=to_unit, since=at, until=None)
