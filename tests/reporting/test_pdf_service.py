"""The official PDF's service, without Celery: the task only passes ids to `report_pdf_render`, so its refusals and
its failures are the service's and are tested here by calling it directly (no broker, no worker, no eager mode)."""

from __future__ import annotations

import pytest

import reporting.output
from childprotect.audit.models import AuditEntry
from reporting.models import PdfStatus, PeriodicReport, ReportStatus
from reporting.services import report_pdf_render
from tests.support.builders import SEMI
from tests.support.clock import JUNE

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock", "eager_celery"), pytest.mark.clock_at(JUNE)]


@pytest.fixture
def asked(officer_a, commune_a, commune_report):
    """A commune's draft report (not frozen: drafts print too, marked DỰ THẢO) whose PDF has been asked for."""
    report = commune_report(officer_a, commune_a)
    PeriodicReport.objects.filter(pk=report.pk).update(pdf_status=PdfStatus.PENDING, pdf_progress=0)
    return report


def _state(report):
    report.refresh_from_db()
    return report.pdf_status, report.pdf_progress, bool(report.pdf)


def test_an_asker_who_no_longer_reaches_the_report_is_refused(asked, officer_b):
    assert report_pdf_render(report_id=asked.pk, actor_id=officer_b.pk) == "refused"
    assert _state(asked) == (PdfStatus.FAILED, 0, False)
    assert not AuditEntry.objects.filter(action="report.pdf")


def test_an_asker_made_inactive_meanwhile_is_refused(asked, officer_a):
    officer_a.is_active = False
    officer_a.save(update_fields=["is_active"])
    assert report_pdf_render(report_id=asked.pk, actor_id=officer_a.pk) == "refused"
    assert _state(asked) == (PdfStatus.FAILED, 0, False)
    assert not AuditEntry.objects.filter(action="report.pdf")


def test_a_report_that_is_gone_is_refused_without_error(officer_a):
    assert report_pdf_render(report_id=987654, actor_id=officer_a.pk) == "refused"


def test_a_render_that_raises_marks_the_pdf_failed_and_raises(asked, officer_a, monkeypatch):
    def broken(report, progress=None):
        progress(30)
        raise OSError("font file unreadable")

    monkeypatch.setattr(reporting.output, "report_pdf_bytes", broken)
    with pytest.raises(OSError, match="font file unreadable"):
        report_pdf_render(report_id=asked.pk, actor_id=officer_a.pk)
    assert _state(asked) == (PdfStatus.FAILED, 0, False)
    assert not AuditEntry.objects.filter(action="report.pdf")


def test_a_draft_is_rendered_stored_and_audited(asked, officer_a, monkeypatch):
    seen: list[int] = []

    def render(report: object, progress: object) -> bytes:
        seen.append(1)
        return b"%PDF-1.7"

    monkeypatch.setattr(reporting.output, "report_pdf_bytes", render)
    assert asked.status == ReportStatus.DRAFT and asked.kind == SEMI
    assert report_pdf_render(report_id=asked.pk, actor_id=officer_a.pk) == "done"
    assert _state(asked) == (PdfStatus.DONE, 100, True)
    assert asked.pdf_version == asked.version and seen == [1]
    with asked.pdf.open("rb") as handle:
        assert handle.read() == b"%PDF-1.7"
    (entry,) = AuditEntry.objects.filter(action="report.pdf", object_id=str(asked.pk))
    assert entry.actor_id == officer_a.pk
