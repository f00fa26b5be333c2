""" "Ai đã truy cập hồ sơ này" in words and names: each audit action code has a Vietnamese label,
and the card names the person (full name and role), never the raw code or the login."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import reverse

from childprotect.audit.actions import action_label
from childprotect.audit.services import audit_record
from tests.support.builders import open_case

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock", "eager_celery")]

REPO = Path(__file__).resolve().parents[2]
SOURCES = ["childprotect", "cases", "referrals", "reporting"]
# action="case.print", action=("account.create" if created else "account.update"), action="export.children" ...
LITERAL = re.compile(r"""action=\(?"([a-z0-9_]+\.[a-z0-9_.]+)"(?: if [^"]+ else "([a-z0-9_]+\.[a-z0-9_.]+)")?""")


def codes_in_the_code() -> set[str]:
    """Every action the code base can write: the registry's members and old codes (no call site spells a
    code, tests/core/test_audit_actions.py), any literal left, and the families built from a table or a model."""
    from cases.workflow import TRANSITIONS
    from childprotect.audit.actions import ALIASES, MEMBERS
    from referrals.workflow import STEPS as REFERRAL_STEPS
    from reporting.workflow import STEPS as REPORT_STEPS

    found: set[str] = set(MEMBERS) | set(ALIASES)
    for folder in SOURCES:
        for path in (REPO / folder).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            for match in LITERAL.finditer(path.read_text(encoding="utf-8")):
                found |= {code for code in match.groups() if code}
    found |= {f"case.{t.action}" for t in TRANSITIONS}  # casework: action=f"case.{action}"
    found |= {f"referral.{s.action}" for s in REFERRAL_STEPS}  # referral_act
    found |= {f"report.{s.action}" for s in REPORT_STEPS}  # the periodic report's flow, as written at first
    found |= {f"periodicreport.{s.action}" for s in REPORT_STEPS}  # and since
    found |= {f"{m}.{v}" for m in ("child", "report", "case") for v in ("view", "delete", "restore")}
    found |= {"periodicreport.view", "referral.view"}
    found |= {f"import.{kind}" for kind in ("children", "agencies", "accounts")}  # import.{job.kind}
    found |= {f"admin.{m}.{v}" for m in ("agency", "holiday", "user") for v in ("create", "update", "delete")}
    return found


def test_the_scan_finds_the_codes_it_should():
    found = codes_in_the_code()
    assert {"case.print", "auth.login", "account.create", "account.update", "export.children"} <= found
    assert len(found) > 60


def test_every_audit_action_code_has_a_vietnamese_label():
    missing = sorted(code for code in codes_in_the_code() if action_label(code) == code)
    assert missing == []
    for code in codes_in_the_code():
        assert not re.fullmatch(r"[a-z0-9_.]+", action_label(code)), code


def test_labels_say_what_happened():
    assert action_label("case.print") == "In biểu mẫu của hồ sơ (PDF)"
    assert action_label("case.view") == "Xem hồ sơ vụ việc"
    assert action_label("auth.login") == "Đăng nhập"
    assert action_label("case.approve_plan") == "Phê duyệt kế hoạch – Mẫu 05"
    assert action_label("referral.view") == "Xem phiếu chuyển tuyến"
    assert action_label("admin.holiday.update") == "Sửa trong trang quản trị: ngày nghỉ / ngày làm bù"
    assert action_label("something.unknown") == "something.unknown"  # an unknown code is shown as it is


def test_the_card_names_the_person_and_the_action_in_words(client, officer_a, supervisor, make_report, make_child):
    case = open_case(officer_a, make_report, make_child)
    client.force_login(officer_a)
    client.get(reverse("cases:case_detail", args=[case.pk]))
    audit_record(actor=officer_a, action="case.print", obj=case, changes={"form": "02"})  # as case_form_pdf writes it

    client.force_login(supervisor)
    page = client.get(reverse("cases:case_detail", args=[case.pk])).content.decode()
    card = page[page.index("Ai đã truy cập hồ sơ này") :]
    card = card[: card.index("</section>")]

    assert "Nguyễn Thị Hoà" in card and "Cán bộ phụ trách bảo vệ trẻ em cấp xã" in card
    assert "Phạm Minh Đức" in card and "Cán bộ giám sát cấp tỉnh" in card
    assert "Xem hồ sơ vụ việc" in card
    assert "In biểu mẫu của hồ sơ (PDF) – Mẫu 02" in card
    assert "Mở hồ sơ" in card
    for raw in ("case.view", "case.print", "case.open", "officer_a", "<code>"):
        assert raw not in card, raw


def test_the_admin_log_shows_the_words_next_to_the_code(client, administrator, officer_a):
    audit_record(actor=officer_a, action="case.print", changes={"form": "04"})
    client.force_login(administrator)
    page = client.get(reverse("admin:audit_auditentry_changelist")).content.decode()
    assert "case.print" in page and "In biểu mẫu của hồ sơ (PDF) – Mẫu 04" in page
