"""Every audit action, named once: its code (what the log stores, what administrators filter by) and its words.

One class per area, each member a code with its Vietnamese label (like Zulip's AuditLogEventType or pretix's prefixed
names). Services write `audit_record(action=CaseAction.PRINT, ...)`, never a literal: tests/core/test_audit_actions.py
fails on a literal action at a call site and on a code without words.

Three families are built rather than listed, and take their words from where their names come from:
- the steps of a workflow table: `case.<transition>`, `referral.<step>`, `periodicreport.<step>` (case_step,
  referral_step, periodic_report_step), named by the table's own label, so a new transition needs no edit here;
- `admin.<model>.<create|update|delete>` (admin_action), written by AuditedModelAdmin for any model;
- `<model>.<view|delete|restore>` of a child, report or case (record_action), a member of that model's area.

Entries already written keep their codes. A code renamed to say what it is about (the periodic report's `report.*`,
which named the intake report's `report.*` too, is now `periodicreport.*`) keeps its old code as an alias:
old entries are labelled as the new ones, and AuditEntry.objects.filter(action=...) finds both (models.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any

from django.apps import apps
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class AuditAction(StrEnum):
    """A member is its code (a str, stored as it is) with `label` (its words) and `aliases` (its older codes)."""

    label: Promise
    aliases: tuple[str, ...]

    def __new__(cls, code: str, label: Promise, *aliases: str) -> AuditAction:
        member = str.__new__(cls, code)
        member._value_ = code
        member.label = label
        member.aliases = aliases
        return member


class AuthAction(AuditAction):
    LOGIN = "auth.login", _("Đăng nhập")
    LOGOUT = "auth.logout", _("Đăng xuất")
    LOGIN_FAILED = "auth.login_failed", _("Đăng nhập không thành công")
    TWO_FACTOR_VERIFIED = "auth.2fa_verified", _("Xác thực hai lớp")
    TWO_FACTOR_FAILED = "auth.2fa_failed", _("Nhập sai mã xác thực hai lớp")
    BACKUP_CODE_USED = "auth.2fa_backup_code", _("Xác thực hai lớp bằng mã dự phòng")
    LOCKED = "login.locked", _("Tạm khoá đăng nhập vì nhập sai nhiều lần")


class AccountAction(AuditAction):
    CREATE = "account.create", _("Tạo tài khoản")
    UPDATE = "account.update", _("Sửa tài khoản")
    TWO_FACTOR_ENABLED = "account.2fa_enabled", _("Bật xác thực hai lớp")
    TWO_FACTOR_DISABLED = "account.2fa_disabled", _("Tắt xác thực hai lớp")
    BACKUP_CODES_CREATED = "account.2fa_backup_codes", _("Tạo mã dự phòng xác thực hai lớp")


class AuditLogAction(AuditAction):
    """The one procedure that changes old entries (services.audit_maintain), each run one entry."""

    PURGE = "audit.purge", _("Xoá các mục nhật ký đã hết thời hạn lưu trữ")
    REDACT = "audit.redact", _("Xoá dữ liệu cá nhân trong nhật ký theo yêu cầu")


class ChildAction(AuditAction):
    VIEW = "child.view", _("Xem hồ sơ trẻ em")
    REGISTER = "child.register", _("Đăng ký trẻ em")
    UPDATE = "child.update", _("Sửa thông tin trẻ em")
    IMPORT = "child.import", _("Nhập trẻ em từ tệp")
    IMPORT_UPDATE = "child.import_update", _("Cập nhật trẻ em khi nhập từ tệp")
    DELETE = "child.delete", _("Xoá hồ sơ trẻ em")
    RESTORE = "child.restore", _("Khôi phục hồ sơ trẻ em")
    NATIONAL_ID_SHARED = "child.national_id_shared", _("Phát hiện trùng mã định danh với trẻ em ở địa bàn khác")


class ReportAction(AuditAction):
    """The intake report (Mẫu 01); the periodic report is PeriodicReportAction."""

    VIEW = "report.view", _("Xem báo cáo tiếp nhận (Mẫu 01)")
    RECEIVE = "report.receive", _("Tiếp nhận thông tin, thông báo, tố giác (Mẫu 01)")
    ATTACH_CHILD = "report.attach_child", _("Gắn trẻ em vào báo cáo tiếp nhận")
    PRINT = "report.print", _("In báo cáo tiếp nhận (PDF)")
    DELETE = "report.delete", _("Xoá báo cáo tiếp nhận")
    RESTORE = "report.restore", _("Khôi phục báo cáo tiếp nhận")
    # The intake workflow's steps (cases/intake_workflow.py), one member each: report_step(action) finds it.
    FORWARD = "report.forward", _("Chuyển thông tin đến UBND xã nơi xảy ra vụ việc")


class CaseAction(AuditAction):
    """A case's own actions; its workflow steps are case_step(transition)."""

    VIEW = "case.view", _("Xem hồ sơ vụ việc")
    OPEN = "case.open", _("Mở hồ sơ")
    PRINT = "case.print", _("In biểu mẫu của hồ sơ (PDF)")
    COMMENT = "case.comment", _("Ghi ý kiến")
    FLAG = "case.flag", _("Đánh dấu hồ sơ")
    UNFLAG = "case.unflag", _("Gỡ đánh dấu hồ sơ")
    ATTACH = "case.attach", _("Đính kèm tệp")
    ATTACHMENT_DOWNLOAD = "case.attachment_download", _("Tải tệp đính kèm")
    SEPARATION = "case.separation", _("Ghi nhận kết thúc hoặc gia hạn cách ly tạm thời")
    LINK = "case.link", _("Liên kết hồ sơ liên quan")
    UNLINK = "case.unlink", _("Bỏ liên kết hồ sơ")
    DELETE = "case.delete", _("Xoá hồ sơ vụ việc")
    RESTORE = "case.restore", _("Khôi phục hồ sơ vụ việc")


class ReferralAction(AuditAction):
    """A referral's own actions; its lifecycle steps are referral_step(step)."""

    VIEW = "referral.view", _("Xem phiếu chuyển tuyến")
    CREATE = "referral.create", _("Lập dự thảo chuyển tuyến")
    PRINT = "referral.print", _("In phiếu chuyển tuyến (PDF)")


class GrantAction(AuditAction):
    """A partner agency's need-to-know view of a case, given and taken back with its referrals."""

    GRANT = "referral.grant", _("Cấp quyền xem hồ sơ cho cơ quan phối hợp")
    REVOKE = "referral.revoke", _("Thu hồi quyền xem hồ sơ của cơ quan phối hợp")
    ACCESS_SYNC = "referral.access_sync", _("Cập nhật quyền xem theo chuyển tuyến")


class AgencyAction(AuditAction):
    CREATE = "agency.create", _("Thêm cơ quan phối hợp")
    UPDATE = "agency.update", _("Sửa cơ quan phối hợp")


class PeriodicReportAction(AuditAction):
    """The periodic report (6-month, annual); its flow's steps are periodic_report_step(step). Written as `report.*`
    at first: those codes are the aliases."""

    VIEW = "periodicreport.view", _("Xem báo cáo định kỳ")
    PREPARE = "periodicreport.prepare", _("Lập báo cáo định kỳ"), "report.prepare"
    PDF_REQUEST = "periodicreport.pdf_request", _("Yêu cầu tạo bản PDF báo cáo định kỳ"), "report.pdf_request"
    PDF = "periodicreport.pdf", _("Tạo bản PDF báo cáo định kỳ"), "report.pdf"
    PDF_DOWNLOAD = "periodicreport.pdf_download", _("Tải bản PDF báo cáo định kỳ"), "report.pdf_download"
    XLSX = "periodicreport.xlsx", _("Tải bảng số liệu báo cáo định kỳ (XLSX)"), "report.xlsx"


class SigningAction(AuditAction):
    """Digital signatures (childprotect/signing): a signer's certificates and the documents they sign."""

    CERTIFICATE_ADD = "signing.certificate_add", _("Thêm chứng thư số")
    CERTIFICATE_REVOKE = "signing.certificate_revoke", _("Ngừng sử dụng chứng thư số")
    SIGN = "signing.sign", _("Ký số văn bản")
    VIEW = "signing.view", _("Xem văn bản để ký số hoặc kiểm tra chữ ký số")


class ExportAction(AuditAction):
    CHILDREN = "export.children", _("Xuất danh sách trẻ em")
    REPORTS = "export.reports", _("Xuất danh sách báo cáo tiếp nhận")
    CASES = "export.cases", _("Xuất danh sách hồ sơ vụ việc")
    REFERRALS = "export.referrals", _("Xuất danh sách chuyển tuyến")
    AGENCIES = "export.agencies", _("Xuất danh sách cơ quan phối hợp")
    DOWNLOAD = "export.download", _("Tải tệp danh sách đã xuất")
    CASELOAD = "export.caseload", _("Xuất số liệu khối lượng công việc theo xã, phường và cán bộ")
    AUDIT = "audit.export", _("Xuất nhật ký")


class SavedSearchAction(AuditAction):
    """A user's saved filters of a list (home/saved_searches.py)."""

    SAVE = "search.save", _("Lưu bộ lọc danh sách")
    RENAME = "search.rename", _("Đổi tên bộ lọc đã lưu")
    DELETE = "search.delete", _("Xoá bộ lọc đã lưu")


class ImportAction(AuditAction):
    UPLOAD = "import.upload", _("Tải tệp lên để nhập")
    CONFIRM = "import.confirm", _("Xác nhận nhập dữ liệu")
    CANCEL = "import.cancel", _("Huỷ nhập dữ liệu")
    STALE = "import.stale", _("Lượt nhập dừng giữa chừng (máy chủ xử lý ngừng), đánh dấu lỗi")
    CHILDREN = "import.children", _("Nhập danh sách trẻ em")
    AGENCIES = "import.agencies", _("Nhập danh sách cơ quan phối hợp")
    ACCOUNTS = "import.accounts", _("Nhập danh sách tài khoản")

    @classmethod
    def applied(cls, kind: str) -> ImportAction:
        """The entry of an applied import of `kind` (an ImportJob's kind: children, agencies, accounts)."""
        return next(m for m in cls if m.value == f"import.{kind}")


class AdminAction(AuditAction):
    """What the administrators do besides the admin's own changes (those are admin_action(model, verb))."""

    LOAD_UNITS = "places.load_list", _("Nạp danh mục đơn vị hành chính")
    LOAD_CROSSWALK = "places.load_crosswalk", _("Nạp bảng đơn vị kế thừa sau sáp nhập")


class ApiAction(AuditAction):
    """Other systems and the API (api/): every call, and the administrators' management of clients and tokens."""

    CALL = "api.call", _("Gọi API")
    CLIENT_CREATE = "api.client_create", _("Đăng ký hệ thống đối tác")
    CLIENT_UPDATE = "api.client_update", _("Sửa hệ thống đối tác")
    TOKEN_ISSUE = "api.token_issue", _("Cấp mã truy cập API")
    TOKEN_REVOKE = "api.token_revoke", _("Thu hồi mã truy cập API")
    WEBHOOK_SECRET = "api.webhook_secret", _("Tạo khoá ký thông báo webhook")
    WEBHOOK_REPLAY = "api.webhook_replay", _("Gửi lại thông báo webhook")
    WEBHOOK_FAILED = "api.webhook_failed", _("Thông báo webhook gửi không thành công")


class AlertAction(AuditAction):
    """Alerts by e-mail, SMS and Zalo (childprotect/alerts): each person's choices, and the administrators' tests."""

    PREFERENCES = "alerts.preferences", _("Sửa kênh nhận thông báo")
    QUIET_HOURS = "alerts.quiet_hours", _("Sửa giờ yên lặng")
    PHONE_SET = "alerts.phone_set", _("Đổi số điện thoại nhận tin")
    PHONE_CODE_SENT = "alerts.phone_code_sent", _("Gửi mã xác minh số điện thoại")
    PHONE_VERIFIED = "alerts.phone_verified", _("Xác minh số điện thoại nhận tin")
    PHONE_CODE_FAILED = "alerts.phone_code_failed", _("Nhập sai mã xác minh số điện thoại")
    TEST_SEND = "alerts.test_send", _("Gửi tin thử qua kênh thông báo")
    RETRY = "alerts.retry", _("Gửi lại tin thông báo không gửi được")
    ESCALATED = "alerts.escalated", _("Chuyển cảnh báo khẩn lên cấp trên")


class HealthAction(AuditAction):
    """The system's alarms (childprotect/health): the deadline scan stopped, no worker, a queue growing."""

    ALARM_OPEN = "health.alarm_open", _("Phát hiện sự cố hệ thống")
    ALARM_CLOSE = "health.alarm_close", _("Sự cố hệ thống đã hết")


AREAS: tuple[type[AuditAction], ...] = (
    AuthAction,
    AccountAction,
    AuditLogAction,
    ChildAction,
    ReportAction,
    CaseAction,
    ReferralAction,
    GrantAction,
    AgencyAction,
    PeriodicReportAction,
    SigningAction,
    ExportAction,
    ImportAction,
    AdminAction,
    ApiAction,
    AlertAction,
    HealthAction,
)
MEMBERS: dict[str, AuditAction] = {m.value: m for area in AREAS for m in area}
ALIASES: dict[str, AuditAction] = {alias: m for m in MEMBERS.values() for alias in m.aliases}

# The families built from a workflow table: code prefix, and the prefixes it was written under before.
CASE_STEP, REFERRAL_STEP, PERIODIC_REPORT_STEP = "case.", "referral.", "periodicreport."
OLD_PERIODIC_REPORT_STEP = "report."
ADMIN_VERBS = {"create": _("Thêm"), "update": _("Sửa"), "delete": _("Xoá")}


def case_step(transition: str) -> str:
    """The entry of a case's workflow transition (cases/workflow.py TRANSITIONS), e.g. case.approve_plan."""
    return CASE_STEP + transition


def referral_step(step: str) -> str:
    """The entry of a referral's lifecycle step (referrals/workflow.py), e.g. referral.send."""
    return REFERRAL_STEP + step


def report_step(step: str) -> ReportAction:
    """The entry of an intake report's workflow step (cases/intake_workflow.py), e.g. report.forward: a member of
    ReportAction, so that a new step needs its words here."""
    return next(m for m in ReportAction if m.value == f"report.{step}")


def periodic_report_step(step: str) -> str:
    """The entry of a periodic report's step (reporting/workflow.py), e.g. periodicreport.submit (was report.submit)."""
    return PERIODIC_REPORT_STEP + step


def admin_action(model: type[models.Model] | models.Model, verb: str) -> str:
    """The entry of a change made in the Django admin: admin.<model>.<create|update|delete>."""
    if verb not in ADMIN_VERBS:
        raise ValueError(verb)
    return f"admin.{model._meta.model_name}.{verb}"


def record_action(model: type[models.Model] | models.Model, verb: str) -> AuditAction:
    """The member for `verb` (view, delete, restore) on a child, report or case: ChildAction.VIEW for a Child."""
    return MEMBERS[f"{model._meta.model_name}.{verb}"]


# The steps of the apps' workflow tables, filled by each app's AppConfig.ready() through steps_register: the audit app
# sits below the apps and names none of them.
STEP_LABELS: dict[str, str] = {}  # step code (and its old code) -> the table's label
STEP_ALIASES: dict[str, str] = {}  # old step code -> its code today (report.submit -> periodicreport.submit)


def steps_register(labels: Mapping[str, str], *, aliases: Mapping[str, str] | None = None) -> None:
    """An app's workflow steps: `labels` maps each step code (case_step, referral_step, periodic_report_step) to its
    label; `aliases` maps an old code its entries may still carry to the code today (which must be in `labels`)."""
    STEP_LABELS.update(labels)
    for old, new in (aliases or {}).items():
        STEP_ALIASES[old] = new
        STEP_LABELS[old] = labels[new]


def canonical(code: str) -> str:
    """The code an entry is written under today: itself, or what its old code was renamed to."""
    if code in ALIASES:
        return ALIASES[code].value
    return STEP_ALIASES.get(code, code)


def same_action(code: str) -> list[str]:
    """Every code the log may hold for the action `code` names: the canonical one and its aliases."""
    new = canonical(code)
    old = [a for a, c in STEP_ALIASES.items() if c == new]
    if new in MEMBERS:
        old += MEMBERS[new].aliases
    return [new, *old]


def _admin_label(code: str) -> str | None:
    parts = code.split(".")
    if len(parts) != 3 or parts[2] not in ADMIN_VERBS:
        return None
    model = next((m for m in apps.get_models() if m._meta.model_name == parts[1]), None)
    noun = str(model._meta.verbose_name) if model is not None else parts[1]
    return gettext("%(verb)s trong trang quản trị: %(noun)s") % {"verb": ADMIN_VERBS[parts[2]], "noun": noun}


def action_label(code: str) -> str:
    """The words for an audit action code (old codes as their new ones); an unknown code is returned as it is."""
    member = MEMBERS.get(code) or ALIASES.get(code)
    if member is not None:
        return str(member.label)
    if code in STEP_LABELS:
        return STEP_LABELS[code]
    if code.startswith("admin."):
        return _admin_label(code) or code
    return code


def entry_label(action: str, changes: dict[str, Any] | None) -> str:
    """An entry in words, with the form a print was of ("In biểu mẫu của hồ sơ (PDF) – Mẫu 02")."""
    label = action_label(action)
    form = (changes or {}).get("form") if action.endswith(".print") else None
    if form:
        label = gettext("%(label)s – Mẫu %(form)s") % {"label": label, "form": form}
    return label
