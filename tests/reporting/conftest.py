"""Periodic-report tests: the cases folder's builders and Celery, with the clock in June 2026, inside the first
6-month period of 2026 (15/12/2025–14/06/2026, due 15/06/2026), and cases built through the real services."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from cases.services import report_attach_child
from childprotect.accounts.models import Role
from reporting.periods import PeriodKind
from reporting.services import report_act, report_prepare
from tests.cases.conftest import *  # noqa: F403  (the cases folder's Celery and builders)
from tests.factories import UserFactory

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
JUNE = dt.datetime(2026, 6, 14, 9, 0, tzinfo=TZ)  # the period's last day: sending opens, due tomorrow
SEMI = PeriodKind.SEMIANNUAL


# Replaces the cases folder's 20/11/2026 clock, which the star import above brought in under the same name.
@pytest.fixture(autouse=True)  # type: ignore[no-redef]
def frozen_clock():
    with time_machine.travel(JUNE, tick=False) as traveller:
        yield traveller


@pytest.fixture
def chair_b(commune_b):
    return UserFactory(username="chair_b", full_name="Vũ Văn Bình", role=Role.COMMUNE_CHAIR, unit=commune_b)


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


def act(actor, report, action, **data):
    report.refresh_from_db()
    return report_act(actor=actor, report=report, action=action, version=report.version, data=data)
