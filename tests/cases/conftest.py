"""Helpers for the intake tests: a frozen clock, Celery run in-process, and builders calling the real services.

The clock stands at 20/11/2026 09:00 in Hà Nội time for every test in this folder, so ages and "in the future"
checks never depend on the day the suite runs.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from cases.models import Environment, ReportType, Term, TermKind
from cases.services import ChildData, ReportData, child_register, report_receive
from childprotect.celery import app as celery_app

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = dt.datetime(2026, 11, 20, 9, 0, tzinfo=TZ)
RECEIVED_AT = dt.datetime(2026, 11, 20, 8, 30, tzinfo=TZ)
REPORTER_NAME = "Đỗ Thị Mai"


@pytest.fixture(autouse=True)
def frozen_clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture(autouse=True)
def eager_celery():
    """Tasks queued on commit run in-process (never reach the development broker's folder)."""
    before = celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    yield
    celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates = before


@pytest.fixture
def phone_channel(db):
    return Term.objects.get(kind=TermKind.CHANNEL, code="phone")


@pytest.fixture
def report_data(commune_a, phone_channel):
    """report_data(**overrides) -> ReportData: a violence report in commune A received at 08:30 by telephone."""

    def build(**overrides) -> ReportData:
        values = {
            "report_type": ReportType.NOTIFICATION,
            "channel": phone_channel,
            "received_at": RECEIVED_AT,
            "description": "Hàng xóm nghe thấy trẻ bị đánh nhiều lần vào buổi tối.",
            "environment": Environment.FAMILY,
            "incident_unit": commune_a,
            "forms": ["violence"],
            "reporter_name": REPORTER_NAME,
            "reporter_phone": "0987 654 321",
            "reporter_address": "Tổ dân phố 3",
            "reporter_relation": "Hàng xóm",
        }
        values.update(overrides)
        return ReportData(**values)

    return build


@pytest.fixture
def make_report(report_data):
    """make_report(actor, **overrides) -> Report, through services.report_receive."""

    def make(actor, **overrides):
        return report_receive(actor=actor, data=report_data(**overrides))

    return make


@pytest.fixture
def child_data(commune_a):
    """child_data(**overrides) -> ChildData: Nguyễn Văn An, born 05/03/2015, living in commune A."""

    def build(**overrides) -> ChildData:
        values = {
            "full_name": "Nguyễn Văn An",
            "sex": "male",
            "residence_unit": commune_a,
            "date_of_birth": dt.date(2015, 3, 5),
        }
        values.update(overrides)
        return ChildData(**values)

    return build


@pytest.fixture
def make_child(child_data):
    """make_child(actor, standalone=True, **overrides) -> Child, through services.child_register."""

    def make(actor, *, standalone: bool = True, **overrides):
        return child_register(actor=actor, data=child_data(**overrides), standalone=standalone)

    return make
