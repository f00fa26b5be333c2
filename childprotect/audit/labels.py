"""What each audit action code means, in words ("Ai đã truy cập hồ sơ này" must never show a bare `case.print`).

The codes stay as they are in the log (administrators filter by them); these labels are what people read. Codes built
from a workflow table (`case.<transition>`, `referral.<step>`, `report.<step>` of the periodic report) take the
table's own label, so a new transition is named without touching this file; every other code the code base writes
is listed here, and tests/core/test_access_log_words.py fails when one is missing.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from django.apps import apps
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

ACTION_LABELS: dict[str, Any] = {
    # Sign-in and accounts
    "auth.login": _("Đăng nhập"),
    "auth.logout": _("Đăng xuất"),
    "auth.login_failed": _("Đăng nhập không thành công"),
    "auth.2fa_verified": _("Xác thực hai lớp"),
    "auth.2fa_failed": _("Nhập sai mã xác thực hai lớp"),
    "login.locked": _("Tạm khoá đăng nhập vì nhập sai nhiều lần"),
    "account.create": _("Tạo tài khoản"),
    "account.update": _("Sửa tài khoản"),
    "account.2fa_enabled": _("Bật xác thực hai lớp"),
    "account.2fa_disabled": _("Tắt xác thực hai lớp"),
    # Children and reports (intake)
    "child.view": _("Xem hồ sơ trẻ em"),
    "child.register": _("Đăng ký trẻ em"),
    "child.update": _("Sửa thông tin trẻ em"),
    "child.import": _("Nhập trẻ em từ tệp"),
    "child.import_update": _("Cập nhật trẻ em khi nhập từ tệp"),
    "child.delete": _("Xoá hồ sơ trẻ em"),
    "child.restore": _("Khôi phục hồ sơ trẻ em"),
    "child.national_id_shared": _("Phát hiện trùng mã định danh với trẻ em ở địa bàn khác"),
    "report.view": _("Xem báo cáo tiếp nhận (Mẫu 01)"),
    "report.receive": _("Tiếp nhận thông tin, thông báo, tố giác (Mẫu 01)"),
    "report.attach_child": _("Gắn trẻ em vào báo cáo tiếp nhận"),
    "report.print": _("In báo cáo tiếp nhận (PDF)"),
    "report.delete": _("Xoá báo cáo tiếp nhận"),
    "report.restore": _("Khôi phục báo cáo tiếp nhận"),
    # Cases (the steps themselves come from cases/workflow.py)
    "case.view": _("Xem hồ sơ vụ việc"),
    "case.open": _("Mở hồ sơ"),
    "case.print": _("In biểu mẫu của hồ sơ (PDF)"),
    "case.comment": _("Ghi ý kiến"),
    "case.attach": _("Đính kèm tệp"),
    "case.attachment_download": _("Tải tệp đính kèm"),
    "case.separation": _("Ghi nhận kết thúc hoặc gia hạn cách ly tạm thời"),
    "case.delete": _("Xoá hồ sơ vụ việc"),
    "case.restore": _("Khôi phục hồ sơ vụ việc"),
    # Referrals (the steps come from referrals/workflow.py)
    "referral.view": _("Xem phiếu chuyển tuyến"),
    "referral.create": _("Lập dự thảo chuyển tuyến"),
    "referral.print": _("In phiếu chuyển tuyến (PDF)"),
    "referral.grant": _("Cấp quyền xem hồ sơ cho cơ quan phối hợp"),
    "referral.revoke": _("Thu hồi quyền xem hồ sơ của cơ quan phối hợp"),
    "referral.access_sync": _("Cập nhật quyền xem theo chuyển tuyến"),
    # Periodic reports (the steps come from reporting/workflow.py)
    "periodicreport.view": _("Xem báo cáo định kỳ"),
    "report.prepare": _("Lập báo cáo định kỳ"),
    "report.pdf_request": _("Yêu cầu tạo bản PDF báo cáo định kỳ"),
    "report.pdf": _("Tạo bản PDF báo cáo định kỳ"),
    "report.pdf_download": _("Tải bản PDF báo cáo định kỳ"),
    "report.xlsx": _("Tải bảng số liệu báo cáo định kỳ (XLSX)"),
    # Lists out, files in, the log itself
    "export.children": _("Xuất danh sách trẻ em"),
    "export.reports": _("Xuất danh sách báo cáo tiếp nhận"),
    "export.cases": _("Xuất danh sách hồ sơ vụ việc"),
    "export.referrals": _("Xuất danh sách chuyển tuyến"),
    "export.agencies": _("Xuất danh sách cơ quan phối hợp"),
    "import.upload": _("Tải tệp lên để nhập"),
    "import.confirm": _("Xác nhận nhập dữ liệu"),
    "import.cancel": _("Huỷ nhập dữ liệu"),
    "import.children": _("Nhập danh sách trẻ em"),
    "import.agencies": _("Nhập danh sách cơ quan phối hợp"),
    "import.accounts": _("Nhập danh sách tài khoản"),
    "audit.export": _("Xuất nhật ký"),
    "places.load_list": _("Nạp danh mục đơn vị hành chính"),
    "agency.create": _("Thêm cơ quan phối hợp"),
    "agency.update": _("Sửa cơ quan phối hợp"),
}

ADMIN_VERBS = {"create": _("Thêm"), "update": _("Sửa"), "delete": _("Xoá")}


@cache
def _workflow_labels() -> dict[str, str]:
    # Imported here: the audit app sits below the apps whose tables it names.
    from cases.workflow import TRANSITIONS
    from referrals.workflow import STEPS as REFERRAL_STEPS
    from reporting.workflow import STEPS as REPORT_STEPS

    labels = {f"case.{t.action}": t.label for t in TRANSITIONS}
    labels |= {f"referral.{s.action}": s.label for s in REFERRAL_STEPS}
    labels |= {f"report.{s.action}": f"{s.label} (báo cáo định kỳ)" for s in REPORT_STEPS}
    return labels


def _admin_label(code: str) -> str | None:
    """admin.<model>.<create|update|delete>, written by AuditedModelAdmin for any model."""
    parts = code.split(".")
    if len(parts) != 3 or parts[2] not in ADMIN_VERBS:
        return None
    model = next((m for m in apps.get_models() if m._meta.model_name == parts[1]), None)
    noun = str(model._meta.verbose_name) if model is not None else parts[1]
    return gettext("%(verb)s trong trang quản trị: %(noun)s") % {"verb": ADMIN_VERBS[parts[2]], "noun": noun}


def action_label(code: str) -> str:
    """The words for an audit action code; an unknown code is returned as it is, never hidden."""
    if code in ACTION_LABELS:
        return str(ACTION_LABELS[code])
    if code in _workflow_labels():
        return _workflow_labels()[code]
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
