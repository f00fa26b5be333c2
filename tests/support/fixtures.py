"""The shared fixtures, loaded for the whole suite by `pytest_plugins` in tests/conftest.py.

Nothing here is autouse: a test module that needs the frozen clock or in-process Celery says so, usually for all its
tests at once (`pytestmark = pytest.mark.usefixtures("clock", "eager_celery")`).

- `clock`: time-machine frozen at 20/11/2026 09:00 Hà Nội time (`clock.NOW`), or at the instant given by the closest
  `@pytest.mark.clock_at(...)` marker; the test may move it (`clock.move_to(...)`);
- `eager_celery`: tasks queued on commit run in-process (never reach the development broker's folder);
- `data_put_back` (module scope): after a module's transactional tests, the rows the migrations and the session wrote
  (terms, the 2026 units) put back for the tests after them;
- `officer_a_mailed`: the cast's officer A with an e-mail address;
- `import_upload`, `import_confirm`: a registry file posted to the import page and its preview confirmed, Celery eager;
- `exported`: a list's export as a browser ends with it (an XLSX through its job, made in-process, then downloaded);
- builders calling the real services: `make_report`, `make_child` (and the data behind them, `report_data`,
  `child_data`), `new_case`, `case_at`; `report_post`, the Mẫu 01 form as a browser posts it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse

from cases.models import Case, Environment, ReportType, Term, TermKind
from cases.services import ChildData, ReportData, child_register, report_receive
from childprotect.celery import app as celery_app
from childprotect.core.models import ImportJob
from childprotect.places.services import units_load_list

from .builders import REPORTER_NAME, open_case, walk
from .clock import NOW, RECEIVED_AT
from .pages import perpetrator_rows


@pytest.fixture
def clock(request):
    """The frozen clock (time-machine, not ticking): at NOW unless the test is marked `clock_at(instant)`."""
    marker = request.node.get_closest_marker("clock_at")
    with time_machine.travel(marker.args[0] if marker else NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def eager_celery():
    """Tasks queued on commit run in-process (never reach the development broker's folder)."""
    before = celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates
    celery_app.conf.task_always_eager = True
    celery_app.conf.task_eager_propagates = True
    yield
    celery_app.conf.task_always_eager, celery_app.conf.task_eager_propagates = before


@pytest.fixture(scope="module")
def data_put_back(django_db_setup, django_db_blocker):
    """After the module's transactional tests, the database as the session set it up: a transactional test empties
    every table, also of the rows the migrations and the session wrote (terms, the 2026 units) that later tests expect.
    """
    yield
    with django_db_blocker.unblock():
        contents = getattr(connection, "_test_serialized_contents", None)
        if contents:
            connection.creation.deserialize_db_from_string(contents)
        units_load_list(2026, actor=None)


@pytest.fixture
def import_upload(client, django_capture_on_commit_callbacks, eager_celery):
    """import_upload(user, content, name="tre-em.csv", kind="children") -> the ImportJob after its preview ran (posted
    through the import page, as a browser does)."""

    def send(user, content: bytes, name: str = "tre-em.csv", kind: str = "children") -> ImportJob:
        client.force_login(user)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("imports"), {"kind": kind, "file": SimpleUploadedFile(name, content)})
        assert response.status_code == 302, response.content.decode()[:500]
        return ImportJob.objects.latest("id")

    return send


@pytest.fixture
def import_confirm(client, django_capture_on_commit_callbacks, eager_celery):
    """import_confirm(job) -> the job, refreshed, after its preview was confirmed."""

    def go(job: ImportJob) -> ImportJob:
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("import_confirm", args=[job.pk]))
        assert response.status_code == 302
        job.refresh_from_db()
        return job

    return go


@pytest.fixture
def exported(client, django_capture_on_commit_callbacks, eager_celery):
    """exported(user, url, **params) -> the response a browser ends with. A CSV is the streamed response itself. An
    XLSX is asked for (the request records a job and redirects to its page; its task runs in-process on commit),
    then the job page's JSON is read and its download link followed: the download's response. Anything else (a
    refusal, a 404, a failed job's page) as it came. user None: as the client is logged in."""

    def get(user, url: str, **params: Any) -> Any:
        if user is not None:
            client.force_login(user)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.get(url, params)
        if response.status_code != 302 or not response.url.startswith("/exports/"):
            return response
        status = client.get(response.url, {"format": "json"}).json()
        if status["download_url"] is None:
            return client.get(response.url)
        return client.get(status["download_url"])

    return get


@pytest.fixture
def officer_a_mailed(officer_a):
    """The cast's officer A with an e-mail address (canbo.hacthanh@example.vn)."""
    officer_a.email = "canbo.hacthanh@example.vn"
    officer_a.save(update_fields=["email"])
    return officer_a


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


@pytest.fixture
def new_case(officer_a, make_report, make_child):
    """new_case(child_name=..., **report_overrides) -> a fresh Case in commune A, state received."""

    def build(**kwargs: Any) -> Case:
        return open_case(officer_a, make_report, make_child, **kwargs)

    return build


@pytest.fixture
def case_at(new_case, officer_a, chair_a):
    """case_at(state) -> a fresh case walked along the happy path to `state`."""

    def build(state: str) -> Case:
        return walk(new_case(), state, officer=officer_a, chair=chair_a)

    return build


@pytest.fixture
def report_post(phone_channel):
    """report_post(**overrides) -> the POST data of the report form (Mẫu 01), two blank perpetrator rows."""

    def build(**overrides):
        data = {
            "received_at": "20/11/2026 08:30",
            "report_type": "thong_bao",
            "channel": str(phone_channel.pk),
            "reporter_name": REPORTER_NAME,
            "reporter_phone": "0987 654 321",
            "reporter_relation": "Hàng xóm",
            "description": "Hàng xóm nghe thấy trẻ bị đánh nhiều lần vào buổi tối.",
            "forms_main": ["violence"],
            "environment": "family",
            "incident_unit": "14797",
            **perpetrator_rows(),
        }
        data.update(overrides)
        return {k: v for k, v in data.items() if v is not None}

    return build


@pytest.fixture
def dead_broker(eager_celery):
    """Tasks are published for real (not eager) to a broker nothing listens to: publishing fails after Celery's quick
    retries, as during an outage."""
    from .worker_process import broker_down

    celery_app.conf.task_always_eager = False
    with broker_down():
        yield
