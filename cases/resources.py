"""The children, reports and cases exports: their columns, and each list's `ListExport` (how its rows are selected
for a user, who may export it), registered from CasesConfig.ready(); childprotect/exports.py makes the files.

Protected columns (NĐ 56/2017 Đ33: national ID, ethnicity, special-circumstance groups, address, school, carers and
their phones, notes; a report's account of what happened and where) go out only when asked for and only to who may
see them (cases.policy). The reporter's identity (NĐ 56 Đ25) is not in the list exports: the reports export has no
reporter column; only an administrator who asks for it explicitly gets ReportWithReporterExportResource, and the
export's audit entry records that.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, QuerySet
from django.http import Http404, QueryDict
from django.utils.translation import gettext_lazy as _
from import_export import fields

from childprotect.accounts.models import User
from childprotect.accounts.policy import can_export_reporters, can_see_protected_data, can_use_registry
from childprotect.audit.actions import ExportAction
from childprotect.exports import ExportResource, ListExport, joined

from . import selectors
from .forms import CASE_FILTER_KEYS, ChildFilterForm, ReportFilterForm, case_filters, child_filters, report_filters
from .models import Carer, Case, Child, DeadlineKind, Report
from .policy import can_see_child_protected

# Who may read a report's account (what happened, where): the people who may see a child's protected data; a
# partner's export never has it, even of the reports they logged themselves.


def _column(attribute: str | None, name: Any) -> fields.Field:
    return fields.Field(attribute=attribute, column_name=name, readonly=True)


class ChildExportResource(ExportResource):
    full_name = _column("full_name", _("Họ và tên"))
    other_names = _column("other_names", _("Tên gọi khác"))
    date_of_birth = _column("date_of_birth", _("Ngày sinh"))
    birth_year = _column("birth_year", _("Năm sinh"))
    birth_year_estimated = _column("birth_year_estimated", _("Năm sinh ước tính"))
    sex = _column("get_sex_display", _("Giới tính"))
    residence_unit = _column("residence_unit__name", _("Xã, phường nơi cư trú"))
    province = _column("residence_unit__parent__name", _("Tỉnh, thành phố"))
    created_at = _column("created_at", _("Ngày đăng ký"))
    # Protected (Đ33).
    national_id = _column("national_id", _("Mã định danh cá nhân"))
    ethnicity = _column("ethnicity__label", _("Dân tộc"))
    circumstances = _column(None, _("Hoàn cảnh đặc biệt"))
    address = _column("address", _("Địa chỉ"))
    school = _column("school", _("Trường"))
    school_class = _column("school_class", _("Lớp"))
    carers = _column(None, _("Người chăm sóc"))
    notes = _column("notes", _("Ghi chú"))

    protected_fields = (
        "national_id",
        "ethnicity",
        "circumstances",
        "address",
        "school",
        "school_class",
        "carers",
        "notes",
    )

    class Meta:
        model = Child
        fields = (
            "full_name",
            "other_names",
            "date_of_birth",
            "birth_year",
            "birth_year_estimated",
            "sex",
            "residence_unit",
            "province",
            "created_at",
            "national_id",
            "ethnicity",
            "circumstances",
            "address",
            "school",
            "school_class",
            "carers",
            "notes",
        )
        export_order = fields

    def sees_protected(self, obj: Child) -> bool:
        return can_see_child_protected(self.user, obj)

    def may_see_protected(self) -> bool:
        return can_see_protected_data(self.user)  # what can_see_child_protected asks of every child

    def with_related(self, queryset: QuerySet[Any], *, protected: bool) -> QuerySet[Any]:
        queryset = queryset.select_related("residence_unit__parent")
        if protected:
            queryset = queryset.select_related("ethnicity").prefetch_related(
                "circumstances", Prefetch("carers", queryset=Carer.objects.order_by("id"))
            )
        return queryset

    def dehydrate_circumstances(self, child: Child) -> str:
        return joined(sorted(c.get_group_display() for c in child.circumstances.all()))

    def dehydrate_carers(self, child: Child) -> str:
        return joined(
            joined([c.full_name, f"({c.relation})" if c.relation else "", c.phone], " ") for c in child.carers.all()
        )


class ReportExportResource(ExportResource):
    # No reporter column (name, phone, address, relation, anonymity): see the module's docstring.
    reference = _column("reference", _("Số tiếp nhận"))
    report_type = _column("get_report_type_display", _("Loại"))
    channel = _column("channel__label", _("Kênh tiếp nhận"))
    received_at = _column("received_at", _("Thời điểm tiếp nhận"))
    received_by = _column("received_by", _("Người tiếp nhận"))
    incident_unit = _column("incident_unit__name", _("Xã, phường nơi xảy ra"))
    province = _column("incident_unit__parent__name", _("Tỉnh, thành phố"))
    incident_date = _column("incident_date", _("Ngày xảy ra"))
    environment = _column("get_environment_display", _("Môi trường xảy ra"))
    forms = _column(None, _("Hình thức xâm hại"))
    injury = _column("injury", _("Trẻ bị thương tích"))
    ongoing_danger = _column("ongoing_danger", _("Trẻ đang gặp nguy hiểm"))
    carer_is_perpetrator = _column("carer_is_perpetrator", _("Người chăm sóc là người xâm hại"))
    status = _column("get_status_display", _("Trạng thái"))
    # Protected: the account names the children, their home and family.
    incident_place = _column("incident_place", _("Địa điểm cụ thể"))
    description = _column("description", _("Nội dung sự việc"))

    protected_fields = ("incident_place", "description")

    class Meta:
        model = Report
        fields = (
            "reference",
            "report_type",
            "channel",
            "received_at",
            "received_by",
            "incident_unit",
            "province",
            "incident_date",
            "environment",
            "forms",
            "injury",
            "ongoing_danger",
            "carer_is_perpetrator",
            "status",
            "incident_place",
            "description",
        )
        export_order = fields

    def sees_protected(self, obj: Report) -> bool:
        return can_see_protected_data(self.user)

    def may_see_protected(self) -> bool:
        return can_see_protected_data(self.user)

    def with_related(self, queryset: QuerySet[Any], *, protected: bool) -> QuerySet[Any]:
        return queryset.select_related("incident_unit__parent", "channel", "received_by").prefetch_related(
            "abuse_forms"
        )

    def dehydrate_forms(self, report: Report) -> str:
        return joined(sorted(f.get_form_display() for f in report.abuse_forms.all()), ", ")


class CaseExportResource(ExportResource):
    number = _column(None, _("Hồ sơ"))
    report = _column("report__reference", _("Thông tin số"))
    child = _column("child__full_name", _("Trẻ em"))
    birth_year = _column("child__birth_year", _("Năm sinh"))
    sex = _column("child__get_sex_display", _("Giới tính"))
    unit = _column("unit__name", _("Xã, phường"))
    state = _column("get_state_display", _("Bước hiện tại"))
    level = _column("get_level_display", _("Mức độ bảo vệ"))
    officer = _column("officer", _("Cán bộ phụ trách"))
    opened_at = _column("opened_at", _("Ngày mở hồ sơ"))
    closed_at = _column("closed_at", _("Ngày đóng hồ sơ"))
    next_due = _column("next_due_at", _("Hạn tiếp theo"))
    next_kind = _column(None, _("Việc đến hạn"))
    overdue = _column(None, _("Quá hạn"))
    # Protected (Đ33): the child's.
    national_id = _column("child__national_id", _("Mã định danh cá nhân"))
    ethnicity = _column("child__ethnicity__label", _("Dân tộc"))
    circumstances = _column(None, _("Hoàn cảnh đặc biệt"))
    address = _column("child__address", _("Địa chỉ"))

    protected_fields = ("national_id", "ethnicity", "circumstances", "address")

    class Meta:
        model = Case
        fields = (
            "number",
            "report",
            "child",
            "birth_year",
            "sex",
            "unit",
            "state",
            "level",
            "officer",
            "opened_at",
            "closed_at",
            "next_due",
            "next_kind",
            "overdue",
            "national_id",
            "ethnicity",
            "circumstances",
            "address",
        )
        export_order = fields

    def sees_protected(self, obj: Case) -> bool:
        return can_see_child_protected(self.user, obj.child)

    def may_see_protected(self) -> bool:
        return can_see_protected_data(self.user)  # what can_see_child_protected asks of every child

    def with_related(self, queryset: QuerySet[Any], *, protected: bool) -> QuerySet[Any]:
        queryset = queryset.select_related("child", "unit", "officer", "report")
        if protected:
            queryset = queryset.select_related("child__ethnicity").prefetch_related("child__circumstances")
        return queryset

    def dehydrate_number(self, case: Case) -> str:
        return str(case)

    def dehydrate_next_kind(self, case: Case) -> str:
        kind = case.next_due_kind
        return str(DeadlineKind(kind).label) if kind in DeadlineKind.values else ""

    def dehydrate_overdue(self, case: Case) -> bool:
        due = case.next_due_at
        return due is not None and due <= self.now

    def dehydrate_circumstances(self, case: Case) -> str:
        return joined(sorted(c.get_group_display() for c in case.child.circumstances.all()))


class ReportWithReporterExportResource(ReportExportResource):
    """The reports export with the reporter's identity: only for an administrator who asks for it explicitly
    (`?reporter=1`), and the audit entry says so (cases/export_views.py). Never offered on the list page."""

    reporter_anonymous = _column("reporter_anonymous", _("Người báo tin giấu tên"))
    reporter_name = _column("reporter_name", _("Họ tên người báo tin"))
    reporter_phone = _column("reporter_phone", _("Điện thoại người báo tin"))
    reporter_address = _column("reporter_address", _("Địa chỉ người báo tin"))
    reporter_relation = _column("reporter_relation", _("Quan hệ với trẻ em"))

    class Meta(ReportExportResource.Meta):
        fields = (  # type: ignore[assignment]
            *ReportExportResource.Meta.fields,
            "reporter_anonymous",
            "reporter_name",
            "reporter_phone",
            "reporter_address",
            "reporter_relation",
        )


# --- the lists' exports: the filters are read with the list page's form into its selector, exactly as the list
# views do (cases/views.py), so a file is the filtered list the user sees, every row, in the list's order.


def _report_resource(user: User, protected: bool, query: QueryDict) -> ExportResource:
    # The reporters' identity goes out only to an administrator who asks for it explicitly; the entry records it.
    if query.get("reporter") == "1":
        if not can_export_reporters(user):
            raise Http404
        return ReportWithReporterExportResource(user=user, protected=protected)
    return ReportExportResource(user=user, protected=protected)


REPORTS = ListExport(
    name="reports",
    action=ExportAction.REPORTS,
    title=_("Thông tin, thông báo, tố giác"),
    basename="thong-tin-thong-bao-to-giac",
    list_url="cases:report_list",
    filter_keys=tuple(ReportFilterForm.base_fields),
    rows=lambda user, query: selectors.reports_list(user, report_filters(ReportFilterForm(query or None))),
    resource=_report_resource,
    options=("reporter",),
    audit_extra=lambda query: {"reporter": query.get("reporter") == "1"},
)
# Partners have no registry: referrals are their only way to a child or a case (404).
CHILDREN = ListExport(
    name="children",
    action=ExportAction.CHILDREN,
    title=_("Trẻ em"),
    basename="tre-em",
    list_url="cases:child_list",
    filter_keys=tuple(ChildFilterForm.base_fields),
    rows=lambda user, query: selectors.children_list(user, child_filters(ChildFilterForm(query or None))),
    resource=lambda user, protected, query: ChildExportResource(user=user, protected=protected),
    allowed=can_use_registry,
)
CASES = ListExport(
    name="cases",
    action=ExportAction.CASES,
    title=_("Hồ sơ vụ việc"),
    basename="ho-so-vu-viec",
    list_url="cases:case_list",
    filter_keys=CASE_FILTER_KEYS,
    rows=lambda user, query: selectors.cases_list(user, case_filters(query)),
    resource=lambda user, protected, query: CaseExportResource(user=user, protected=protected),
    allowed=can_use_registry,
)
