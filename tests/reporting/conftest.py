"""Periodic-report tests: cases of a commune and its prepared 6-month report, built through the real services.

The modules of this folder freeze the clock in June 2026 (`pytest.mark.clock_at(JUNE)`), on the last day of the first
6-month period of 2026 (15/12/2025–14/06/2026, due 15/06/2026), and run Celery in-process."""

from __future__ import annotations

import datetime as dt

import pytest

from cases.services import report_attach_child
from reporting.services import report_prepare
from tests.support.builders import SEMI
from tests.support.clock import JUNE


@pytest.fixture
def case_in(make_report, make_child):
    """case_in(officer, unit, name, child={...}, **report overrides) -> a Case of that commune (received 11/05)."""

    def build(officer, unit, child_name, *, child=None, **overrides):
        overrides.setdefault("received_at", JUNE - dt.timedelta(days=30))
        report = make_report(officer, incident_unit=unit, **overrides)
        child_fields = {"full_name": child_name, "residence_unit": unit, **(child or {})}
        registered = make_child(officer, **child_fields)
        report_attach_child(actor=officer, report=report, child=registered)
        return report.cases.get(child=registered)

    return build


@pytest.fixture
def commune_report(chair_a):
    """commune_report(preparer, unit) -> the prepared 6-month 2026 report of the unit."""

    def build(preparer, unit):
        return report_prepare(actor=preparer, unit=unit, kind=SEMI, year=2026)

    return build
