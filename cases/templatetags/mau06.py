"""Mẫu 06 as printed (templates/pdf/forms/mau06.html): a review step's record read into the form's two tables."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import template

from cases.models import HARM_CRITERIA, HARM_SCALE, RESILIENCE_CRITERIA, RiskLevel

register = template.Library()

LEVELS = (RiskLevel.HIGH, RiskLevel.MEDIUM, RiskLevel.LOW)


@dataclass(frozen=True)
class Criterion:
    number: int
    label: str
    meaning: str  # what each rating means, in the form's words ("" where the form's words were not read)
    rating: str  # "high", "medium", "low"

    @property
    def marks(self) -> list[bool]:
        """One per column, Cao / Trung bình / Thấp: the rating given."""
        return [self.rating == level for level in LEVELS]


@register.simple_tag
def mau06_assessment(record: dict[str, Any] | None, rows: list[Any]) -> dict[str, Any]:
    """The criteria rated in a review's record, the harm totals ("Tổng số"), and the record's other lines. A review
    made before the criteria were recorded has `on_form` False and prints its lines as they were."""
    record = record or {}
    names = [name for name, _label in (*HARM_CRITERIA, *RESILIENCE_CRITERIA)]
    on_form = all(record.get(name) in RiskLevel.values for name in names)
    if not on_form:
        return {"on_form": False, "rows": rows}

    def criteria(group: tuple[tuple[str, str], ...]) -> list[Criterion]:
        return [
            Criterion(
                n,
                label,
                "; ".join(f"{RiskLevel(k).label} ({v})" for k, v in HARM_SCALE[name].items())
                if name in HARM_SCALE
                else "",
                record[name],
            )
            for n, (name, label) in enumerate(group, start=1)
        ]

    harm = criteria(HARM_CRITERIA)
    totals = [sum(c.rating == level for c in harm) for level in LEVELS]
    return {
        "on_form": True,
        "levels": [RiskLevel(level).label for level in LEVELS],
        "harm": harm,
        "totals": totals,
        "resilience": criteria(RESILIENCE_CRITERIA),
        "rows": [row for row in rows if row.key not in names],
    }
