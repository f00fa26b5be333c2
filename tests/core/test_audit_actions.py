"""One audit vocabulary: every action is a member of childprotect/audit/actions.py with its words;
no call site spells a code; views record through their app's service; the periodic report's entries are
`periodicreport.*`, apart from the intake report's `report.*`, and the entries written before under `report.*` are
still found and named."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from django.urls import reverse

from childprotect.audit.models import AuditEntry
from childprotect.audit.services import audit_record

REPO = Path(__file__).resolve().parents[2]
SOURCES = ["childprotect", "cases", "referrals", "reporting"]
REGISTRY = REPO / "childprotect" / "audit" / "actions.py"
# The calls whose `action` is an audit code: the helper, the export helper, and rows made for bulk_create.
AUDIT_CALLS = {"audit_record", "export_response", "AuditEntry"}


def app_modules() -> list[tuple[Path, ast.Module]]:
    found = []
    for folder in SOURCES:
        for path in sorted((REPO / folder).rglob("*.py")):
            if "migrations" not in path.parts and path != REGISTRY:
                found.append((path, ast.parse(path.read_text(encoding="utf-8"))))
    return found


def called(node: ast.Call) -> str | None:
    return getattr(node.func, "id", None) or getattr(node.func, "attr", None)


def spelled(expr: ast.expr) -> bool:
    """A code written out in the expression: a dotted string, an f-string, a string concatenation."""
    for node in ast.walk(expr):
        if isinstance(node, ast.JoinedStr):
            return True
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and "." in node.value:
            return True
    return False


def literal_call_sites() -> list[str]:
    sites = []
    for path, tree in app_modules():
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and called(node) in AUDIT_CALLS:
                for kw in node.keywords:
                    if kw.arg == "action" and spelled(kw.value):
                        sites.append(f"{path.relative_to(REPO)}:{node.lineno} {ast.unparse(kw.value)}")
                # audit("child.import", pk): a local helper's first argument
            if isinstance(node, ast.Call) and called(node) == "audit" and node.args and spelled(node.args[0]):
                sites.append(f"{path.relative_to(REPO)}:{node.lineno} {ast.unparse(node.args[0])}")
    return sites


def test_the_scan_sees_a_literal_action():
    tree = ast.parse('audit_record(actor=a, action="case.print")\naudit_record(actor=a, action=f"case.{x}")')
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call)]
    assert all(spelled(c.keywords[1].value) for c in calls)
    assert not spelled(ast.parse("CaseAction.PRINT", mode="eval").body)
    assert not spelled(ast.parse('admin_action(obj, "update" if change else "create")', mode="eval").body)


def test_no_call_site_spells_an_action_code():
    assert literal_call_sites() == []


def test_no_audit_code_is_spelled_outside_the_registry():
    from childprotect.audit.actions import ALIASES, MEMBERS

    codes = set(MEMBERS) | set(ALIASES)
    spelled_codes = [
        f"{path.relative_to(REPO)}:{node.lineno} {node.value}"
        for path, tree in app_modules()
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant) and node.value in codes
    ]
    assert spelled_codes == []


def test_views_record_through_their_apps_service():
    """A view (views.py, *_views.py) never writes the log itself: cases.services.record_view,
    referrals.services.referral_record_view, reporting.services.periodic_report_record_view and the accounts' services
    do, in words of the registry."""
    offenders = [
        f"{path.relative_to(REPO)}:{node.lineno}"
        for path, tree in app_modules()
        if path.name == "views.py" or path.name.endswith("_views.py")
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and called(node) == "audit_record"
    ]
    assert offenders == []


def test_every_member_has_its_words_and_one_area():
    from childprotect.audit.actions import ALIASES, AREAS, MEMBERS, action_label

    members = [m for area in AREAS for m in area]
    assert len(members) == len(MEMBERS) > 50  # no code in two areas
    assert not set(ALIASES) & set(MEMBERS)  # an old code never names another action today
    for member in members:
        assert str(member.label) and str(member.label) != member.value, member
        assert action_label(member.value) == str(member.label)
    for alias, member in ALIASES.items():
        assert action_label(alias) == str(member.label)


def test_the_intake_report_and_the_periodic_report_have_their_own_codes():
    from childprotect.audit.actions import PeriodicReportAction, ReportAction, periodic_report_step

    assert all(m.value.startswith("report.") for m in ReportAction)
    assert all(m.value.startswith("periodicreport.") for m in PeriodicReportAction)
    assert periodic_report_step("submit") == "periodicreport.submit"


@pytest.mark.django_db
def test_periodic_report_entries_are_written_as_periodicreport(officer_a, commune_a):
    from reporting.services import report_act, report_prepare

    report = report_prepare(actor=officer_a, unit=commune_a, kind="annual", year=2026)
    report_act(actor=officer_a, report=report, action="edit", version=report.version, data={"results": "Tốt."})
    written = list(AuditEntry.objects.filter(actor=officer_a).values_list("action", flat=True).order_by("id"))
    assert written == ["periodicreport.prepare", "periodicreport.edit"]


@pytest.mark.django_db
def test_old_codes_are_found_and_named_as_the_new(officer_a, client, administrator):
    from childprotect.audit.actions import PeriodicReportAction, action_label

    old = audit_record(actor=officer_a, action="report.submit")  # written under the old name
    old_xlsx = audit_record(actor=officer_a, action="report.xlsx")
    new = audit_record(actor=officer_a, action="periodicreport.submit")
    intake = audit_record(actor=officer_a, action="report.view")

    assert set(AuditEntry.objects.filter(action="periodicreport.submit")) == {old, new}
    assert set(AuditEntry.objects.filter(action="report.submit")) == {old, new}
    assert list(AuditEntry.objects.filter(action=PeriodicReportAction.XLSX)) == [old_xlsx]
    assert set(AuditEntry.objects.filter(action__in=["report.submit", "report.view"])) == {old, new, intake}
    assert set(AuditEntry.objects.filter(actor=officer_a).exclude(action="periodicreport.submit")) == {old_xlsx, intake}
    assert list(AuditEntry.objects.filter(action="report.view")) == [intake]  # the intake report's stays its own
    assert action_label("report.submit") == action_label("periodicreport.submit") == "Ký, gửi báo cáo (báo cáo định kỳ)"
    assert action_label("report.xlsx") == "Tải bảng số liệu báo cáo định kỳ (XLSX)"

    client.force_login(administrator)
    url = reverse("admin:audit_auditentry_changelist")
    page = client.get(url, {"action__exact": "periodicreport.submit"}).content.decode()
    assert page.count("Ký, gửi báo cáo (báo cáo định kỳ)") == 2
