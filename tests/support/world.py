"""One world for the access matrix (tests/security/conftest.py builds it once per module and rolls it back at its end).

Three places, each holding the same kinds of objects (a report, a child, the case they open, an attachment, a referral
sent to an agency of the place, a periodic report with its PDF, a notification of the place's officer):

- "A": commune A (2026:14797), the cast's officer_a, chair_a and the police partner of commune A's police agency;
- "B": commune B (2026:14758), officer_b; same province (2026:38) as A, so the supervisor reaches both;
- "X": Phường Ba Đình (2026:00004) in Hà Nội, reached by the administrator alone (its officer, supervisor and police
  partner are extras, not in the cast).

Plus "P", a report the police partner logged in commune A; "D", a report of commune A entered twice and deleted
(hidden) by the administrator with its case (its child, Phạm Thị Dung, stays in the registry); two import jobs
(the supervisor's in "A", the Hà Nội supervisor's in "X"); and two XLSX exports of the children list, made (officer
A's in "A", the Hà Nội officer's in "X"); "T", a second case of commune A whose transfer to commune B is asked and
not yet answered. The clock stands at 10/06/2026 09:00 (inside the first
6-month period of 2026, as in the reporting tests); reports were received a month before.

Every test of the module runs in a savepoint inside the world's transaction (pytest-django's TestCase atomics nest),
so what one test's requests change is undone before the next; the world itself is undone when the module ends.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile

from api.models import ApiClient, ClientKind
from api.services import client_register, token_issue
from cases.models import Attachment, Case, CaseTransfer, Child, Environment, Report, ReportType, Term, TermKind
from cases.resources import CHILDREN
from cases.services import ChildData, ReportData, child_register, report_attach_child, report_receive
from cases.services.attachments import attachment_add
from cases.services.retention import record_delete
from childprotect.accounts.models import Role, User
from childprotect.agencies.models import Agency, AgencyType
from childprotect.core.export_jobs import export_job_create, export_job_run
from childprotect.core.imports import job_check, job_create
from childprotect.core.models import ExportJob, ImportJob, ImportStatus, Notification
from referrals.models import Consent, Referral, Urgency
from referrals.services import ReferralData, referral_act, referral_create
from reporting.models import PdfStatus, PeriodicReport, SentVersion
from reporting.periods import PeriodKind
from reporting.services import report_prepare
from tests.factories import AgencyFactory, UserFactory, unit
from tests.support.builders import act
from tests.support.deliveries import world_delivery
from tests.support.places import COMMUNE_A, COMMUNE_B, OTHER_PROVINCE_COMMUNE, PROVINCE
from tests.support.webhooks import world_webhook_event

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
NOW = dt.datetime(2026, 6, 10, 9, 0, tzinfo=TZ)
RECEIVED_AT = NOW - dt.timedelta(days=30)
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"

# The cast (tests/conftest.py) and the anonymous visitor: every request of the matrix is made as each of them.
ROLES = ("anonymous", "officer_a", "chair_a", "officer_b", "supervisor", "police", "admin")
PLACES = ("A", "B", "X")

# Per place: the child's name, the reporter's name and a word of the report's description. Each is written nowhere
# else, so finding it in a page tells which place's record the page shows.
CHILD_NAMES = {"A": "Nguyễn Văn An", "B": "Trần Thị Bích", "X": "Lê Hoàng Xuân", "D": "Phạm Thị Dung"}
REPORTERS = {"A": "Đỗ Thị Mai", "B": "Phan Văn Bảo", "X": "Vương Thị Xoan", "P": "Hồ Văn Phúc", "D": "Mai Văn Đức"}
DESCRIPTION_MARKS = {
    "A": "dấu-hiệu-Alpha",
    "B": "dấu-hiệu-Bravo",
    "X": "dấu-hiệu-Xray",
    "P": "dấu-hiệu-Papa",
    "D": "dấu-hiệu-Delta",
}
TRANSFER_CHILD = "Võ Minh Tâm"  # the child of the case "T" commune A asked commune B to take

# Per place: the child's protected details (NĐ 56 Đ33: ID number, address, the carer's phone), written nowhere else:
# a page holding one of them shows that child's protected data (tests/core/test_audit_completeness.py).
PROTECTED = {
    "A": ("038215000111", "Số 11 ngõ Alpha", "0912 111 001"),
    "B": ("038215000222", "Số 22 ngõ Bravo", "0912 222 002"),
    "X": ("001215000333", "Số 33 ngõ Xray", "0912 333 003"),
}
DESCRIPTIONS = {
    "A": f"Hàng xóm nghe thấy trẻ bị đánh ({DESCRIPTION_MARKS['A']}).",
    "B": f"Trẻ bị bỏ đói nhiều ngày ({DESCRIPTION_MARKS['B']}).",
    "X": f"Trẻ bị ép đi bán hàng rong ({DESCRIPTION_MARKS['X']}).",
    "P": f"Công an nhận tin trẻ bị đánh ở chợ ({DESCRIPTION_MARKS['P']}).",
    "D": f"Hàng xóm nghe thấy trẻ bị đánh, báo lần hai ({DESCRIPTION_MARKS['D']}).",
}


@dataclass
class World:
    users: dict[str, User]
    extras: dict[str, User] = field(default_factory=dict)  # officer_x, supervisor_x, police_b, police_x
    units: dict[str, Any] = field(default_factory=dict)
    agencies: dict[str, Agency] = field(default_factory=dict)
    reports: dict[str, Report] = field(default_factory=dict)  # A, B, X and P (logged by the police)
    children: dict[str, Child] = field(default_factory=dict)
    cases: dict[str, Case] = field(default_factory=dict)
    attachments: dict[str, Attachment] = field(default_factory=dict)
    referrals: dict[str, Referral] = field(default_factory=dict)
    periodic: dict[str, PeriodicReport] = field(default_factory=dict)
    notifications: dict[str, Notification] = field(default_factory=dict)
    jobs: dict[str, ImportJob] = field(default_factory=dict)
    exports: dict[str, ExportJob] = field(default_factory=dict)  # A: officer A's, X: the Hà Nội officer's
    deleted: dict[str, Any] = field(default_factory=dict)  # "report" (logged in A) and its "case", both hidden
    transfer: CaseTransfer | None = None  # "T": commune A asked commune B to take a case; B has not answered
    api_client: ApiClient | None = None  # an API client of the province, with a token (the administrators' pages)
    webhook_event: Any = None  # a failed webhook event of report A (tests/support/webhooks.py)
    delivery: Any = None  # a failed test e-mail of the administrator's (tests/support/deliveries.py)


def _cast(commune_a: Any, commune_b: Any, province: Any) -> dict[str, User]:
    """The cast of tests/conftest.py, made the same way (those fixtures are per test; this world is per module)."""
    police_agency = AgencyFactory(name="Công an phường Hạc Thành", agency_type=AgencyType.POLICE, unit=commune_a)
    return {
        "officer_a": UserFactory(
            username="officer_a", full_name="Nguyễn Thị Hoà", role=Role.COMMUNE_OFFICER, unit=commune_a
        ),
        "chair_a": UserFactory(username="chair_a", full_name="Lê Văn Thắng", role=Role.COMMUNE_CHAIR, unit=commune_a),
        "officer_b": UserFactory(
            username="officer_b", full_name="Trần Thị Thuỷ", role=Role.COMMUNE_OFFICER, unit=commune_b
        ),
        "supervisor": UserFactory(
            username="supervisor", full_name="Phạm Minh Đức", role=Role.SUPERVISOR, unit=province
        ),
        "police": UserFactory(
            username="police",
            full_name="Hoàng Văn Cường",
            role=Role.PARTNER,
            unit=commune_a,
            agency=police_agency,
        ),
        "admin": UserFactory(
            username="admin",
            full_name="Quản trị hệ thống",
            role=Role.ADMIN,
            unit=None,
            is_staff=True,
            is_superuser=True,
        ),
    }


def _report(actor: User, place: str, incident_unit: Any) -> Report:
    channel = Term.objects.get(kind=TermKind.CHANNEL, code="phone")
    return report_receive(
        actor=actor,
        data=ReportData(
            report_type=ReportType.NOTIFICATION,
            channel=channel,
            received_at=RECEIVED_AT,
            description=DESCRIPTIONS[place],
            environment=Environment.FAMILY,
            incident_unit=incident_unit,
            forms=["violence"],
            reporter_name=REPORTERS[place],
            reporter_phone="0987 654 321",
        ),
    )


def _children_csv(commune_code: str) -> bytes:
    header = "Họ và tên,Ngày sinh,Năm sinh,Giới tính,Dân tộc,Mã định danh,Mã xã,Người chăm sóc,"
    header += "Điện thoại người chăm sóc,Nhóm hoàn cảnh đặc biệt"
    row = f"Đinh Văn Nhập,01/02/2016,,Nam,Kinh,,{commune_code},,,"
    return ("\ufeff" + header + "\r\n" + row + "\r\n").encode("utf-8")


def build_world() -> World:
    units = {"A": unit(COMMUNE_A), "B": unit(COMMUNE_B), "X": unit(OTHER_PROVINCE_COMMUNE), "P": unit(PROVINCE)}
    world = World(users=_cast(units["A"], units["B"], units["P"]), units=units)
    police_agency = world.users["police"].agency
    assert police_agency is not None
    world.agencies["A"] = police_agency
    x_province = units["X"].parent
    world.extras = {
        "officer_x": UserFactory(
            username="officer_x", full_name="Bùi Thị Hằng", role=Role.COMMUNE_OFFICER, unit=units["X"]
        ),
        "supervisor_x": UserFactory(
            username="supervisor_x", full_name="Đặng Văn Quân", role=Role.SUPERVISOR, unit=x_province
        ),
    }
    officers = {"A": world.users["officer_a"], "B": world.users["officer_b"], "X": world.extras["officer_x"]}
    for place, name in (("B", "Công an phường Hàm Rồng"), ("X", "Công an phường Ba Đình")):
        agency = AgencyFactory(name=name, agency_type=AgencyType.POLICE, unit=units[place])
        world.agencies[place] = agency
        world.extras[f"police_{place.lower()}"] = UserFactory(
            username=f"police_{place.lower()}",
            full_name=f"Cán bộ công an {place}",
            role=Role.PARTNER,
            unit=units[place],
            agency=agency,
        )

    for place in PLACES:
        officer, commune = officers[place], units[place]
        report = _report(officer, place, commune)
        child = child_register(
            actor=officer,
            data=ChildData(
                full_name=CHILD_NAMES[place],
                sex="male",
                residence_unit=commune,
                date_of_birth=dt.date(2015, 3, 5),
                national_id=PROTECTED[place][0],
                address=PROTECTED[place][1],
                carers=[{"full_name": "Người chăm sóc", "relation": "mẹ", "phone": PROTECTED[place][2]}],
            ),
            standalone=True,
        )
        report_attach_child(actor=officer, report=report, child=child)
        case = report.cases.get(child=child)
        act(officer, case, "assess_initial")  # Mẫu 02 exists; the next step is the chair's emergency decision
        world.reports[place], world.children[place], world.cases[place] = report, child, case
        world.attachments[place] = attachment_add(
            actor=officer,
            case=case,
            upload=SimpleUploadedFile("quyet-dinh.pdf", PDF, content_type="application/pdf"),
            description="Quyết định",
        )
        referral = referral_create(
            actor=officer,
            case=case,
            data=ReferralData(
                agency=world.agencies[place],
                services_requested="Điều tra, xác minh hành vi bạo lực.",
                urgency=Urgency.URGENT,
                child_consent=Consent.GIVEN,
                carer_consent=Consent.GIVEN,
            ),
        )
        referral_act(actor=officer, referral=referral, action="send", version=referral.version)
        referral.refresh_from_db()
        world.referrals[place] = referral
        periodic = report_prepare(actor=officer, unit=commune, kind=PeriodKind.SEMIANNUAL, year=2026)
        periodic.pdf.save("bao-cao.pdf", ContentFile(PDF), save=False)
        PeriodicReport.objects.filter(pk=periodic.pk).update(
            pdf=periodic.pdf.name, pdf_status=PdfStatus.DONE, pdf_version=periodic.version
        )
        periodic.refresh_from_db()
        sent = SentVersion(
            report=periodic,
            number=1,
            report_version=periodic.version,
            figures=periodic.figures,
            submitted_by=officer,
            submitted_at=periodic.created_at,
        )
        sent.pdf.save("lan-1.pdf", ContentFile(PDF), save=True)  # a sent version of the report, with its PDF kept
        world.periodic[place] = periodic
        world.notifications[place] = Notification.objects.create(
            recipient=officer, title=f"Nhắc hạn {place}", url=f"/cases/{case.pk}/"
        )
        world.cases[place].refresh_from_db()

    world.reports["P"] = _report(world.users["police"], "P", units["A"])

    # A report of commune A entered twice, deleted (hidden) by the administrator with the case it opened.
    doubled = _report(world.users["officer_a"], "D", units["A"])
    child = child_register(
        actor=world.users["officer_a"],
        data=ChildData(full_name=CHILD_NAMES["D"], sex="female", residence_unit=units["A"], birth_year=2014),
        standalone=True,
    )
    report_attach_child(actor=world.users["officer_a"], report=doubled, child=child)
    world.deleted = {"report": doubled, "case": doubled.cases.get(), "child": child}
    record_delete(actor=world.users["admin"], obj=doubled, reason="Nhập trùng")

    # "T": a second case of commune A, whose transfer to commune B officer A asked for (B has not answered). Its
    # child's name is no mark: commune B sees it on the request, before it decides.
    moving = _report(world.users["officer_a"], "A", units["A"])
    child = child_register(
        actor=world.users["officer_a"],
        data=ChildData(full_name=TRANSFER_CHILD, sex="male", residence_unit=units["A"], birth_year=2013),
        standalone=True,
    )
    report_attach_child(actor=world.users["officer_a"], report=moving, child=child)
    act(world.users["officer_a"], moving.cases.get(), "request_transfer", to_unit=units["B"])
    world.transfer = CaseTransfer.objects.get(case__report=moving)

    for place, owner, code in (("A", world.users["supervisor"], "14797"), ("X", world.extras["supervisor_x"], "00004")):
        job = job_create(actor=owner, kind="children", filename="tre-em.csv", content=_children_csv(code))
        job_check(job.pk)  # the preview (queued on commit in production; no commit happens here)
        job.refresh_from_db()
        assert job.status == ImportStatus.CHECKED, job.plan
        world.jobs[place] = job
    for place, owner in (("A", world.users["officer_a"]), ("X", world.extras["officer_x"])):
        export = export_job_create(
            actor=owner, export=CHILDREN, params={}, protected=True, filename="tre-em.xlsx", changes={"rows": 1}
        )
        assert export_job_run(export.pk) == "done"  # queued on commit in production; no commit happens here
        export.refresh_from_db()
        world.exports[place] = export
    world.api_client = client_register(
        actor=world.users["admin"], name="Sở Y tế tỉnh Thanh Hóa", kind=ClientKind.PROVINCE, scope=units["P"]
    )
    token_issue(actor=world.users["admin"], account=world.api_client.account, label="máy chủ", days=30)
    world.webhook_event = world_webhook_event(world.users["admin"], world.reports["A"])
    world.delivery = world_delivery(world.users["admin"])
    return world
