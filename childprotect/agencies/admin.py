"""Administrators keep the partner agencies here, one by one or from a spreadsheet (CSV, XLSX)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import admin, messages
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from import_export.admin import ImportExportModelAdmin
from import_export.formats import base_formats
from import_export.results import Result, RowResult

from childprotect.accounts.models import Role
from childprotect.audit.actions import ExportAction
from childprotect.audit.admin import AuditedModelAdmin
from childprotect.audit.services import audit_record
from childprotect.places.models import AdminUnit, UnitLevel
from childprotect.text import fold

from .models import Agency
from .resources import AgencyResource


class ProvinceFilter(admin.SimpleListFilter):
    """Agencies serving a province of the current list: the province itself or any unit in it."""

    title = "tỉnh, thành phố"
    parameter_name = "province"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        provinces = AdminUnit.objects.filter(
            level=UnitLevel.PROVINCE, list_version=settings.CHILDPROTECT_CURRENT_UNIT_LIST
        ).order_by("name_folded")
        return [(str(p.pk), p.name) for p in provinces]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if not value:
            return queryset
        province = AdminUnit.objects.filter(pk=value, level=UnitLevel.PROVINCE).first() if value.isdigit() else None
        if province is None:
            return queryset.none()
        return queryset.filter(Q(unit=province) | Q(unit__path__startswith=province.path + "/"))


def import_problems(result: Result) -> list[str]:
    """Every reason an import was refused, in Vietnamese, each naming its row (rows are numbered by their line in
    the file: see AgencyResource.get_result_class)."""
    problems = [str(error.error) for error in result.base_errors]
    for number, errors in result.row_errors():
        problems += [f"Dòng {number}: {error.error}" for error in errors]
    for row in result.invalid_rows:
        for messages_ in row.error_dict.values():
            problems += [m if m.startswith("Dòng ") else f"Dòng {row.number}: {m}" for m in messages_]
    return problems


def import_refusal(result: Result, shown: int = 10) -> str:
    problems = import_problems(result)
    text = f"Chưa nhập cơ quan nào: tệp có {len(problems)} lỗi, sửa rồi tải lên lại. " + " ".join(problems[:shown])
    if len(problems) > shown:
        text += f" … và {len(problems) - shown} lỗi khác (xem bảng bên dưới)."
    return text


@admin.register(Agency)
class AgencyAdmin(ImportExportModelAdmin, AuditedModelAdmin[Agency]):
    list_display = ["name", "agency_type", "unit", "phone", "is_active", "partner_count"]
    list_filter = ["agency_type", "is_active", ProvinceFilter]
    list_select_related = ["unit"]
    search_fields = ["name_folded"]
    search_help_text = "Tìm theo tên cơ quan, gõ có dấu hay không dấu đều được."
    raw_id_fields = ["unit"]
    # Import and export (django-import-export): see childprotect/agencies/resources.py for the columns and the checks.
    resource_classes = [AgencyResource]
    formats = [base_formats.CSV, base_formats.XLSX]
    import_formats = formats
    export_formats = formats
    to_encoding = "utf-8-sig"  # Excel opens a UTF-8 CSV with its mark as UTF-8, not as the Windows code page

    def get_queryset(self, request: HttpRequest) -> QuerySet[Agency]:
        partners = Q(members__role=Role.PARTNER, members__is_active=True)
        agencies: QuerySet[Agency] = super().get_queryset(request)  # the import-export base class is untyped
        return agencies.annotate(partner_count=Count("members", filter=partners))

    @admin.display(description="tài khoản đối tác", ordering="partner_count")
    def partner_count(self, obj: Agency) -> int:
        return int(getattr(obj, "partner_count", 0))

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[Agency], search_term: str
    ) -> tuple[QuerySet[Agency], bool]:
        # The same accent-free search as everywhere else: every word of the query, in the folded name.
        for word in fold(search_term).split():
            queryset = queryset.filter(name_folded__contains=word)
        return queryset, False

    # Only those who may add and change agencies import them; only those who may see them export them.
    def has_import_permission(self, request: HttpRequest) -> bool:
        return self.has_add_permission(request) and self.has_change_permission(request)

    def has_export_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)

    def get_export_data(self, file_format: Any, request: HttpRequest, queryset: QuerySet[Agency], **kwargs: Any) -> Any:
        # Every export is audited (as the lists' exports are): what left, in which format, how many rows.
        data = super().get_export_data(file_format, request, queryset, **kwargs)
        audit_record(
            actor=request.user,
            action=ExportAction.AGENCIES,
            changes={"format": file_format.get_extension(), "rows": queryset.count()},
            object_repr=f"Cơ quan phối hợp ({file_format.get_extension().upper()})",
        )
        return data

    def import_action(self, request: HttpRequest, **kwargs: Any) -> HttpResponse:
        response: HttpResponse = super().import_action(request, **kwargs)
        result = (getattr(response, "context_data", None) or {}).get("result")
        if result is not None and (result.has_errors() or result.has_validation_errors()):
            messages.error(request, import_refusal(result))
        return response

    def process_result(self, result: Result, request: HttpRequest) -> HttpResponse:
        # The confirmed import met a bad row after all (the data changed since the preview): nothing was kept.
        if result.has_errors() or result.has_validation_errors():
            messages.error(request, import_refusal(result))
            return HttpResponseRedirect(reverse("admin:agencies_agency_import", current_app=self.admin_site.name))
        response: HttpResponse = super().process_result(result, request)
        return response

    def add_success_message(self, result: Result, request: HttpRequest) -> None:
        totals = result.totals
        messages.success(
            request,
            f"Đã nhập xong: {totals[RowResult.IMPORT_TYPE_NEW]} cơ quan mới, "
            f"{totals[RowResult.IMPORT_TYPE_UPDATE]} cơ quan cập nhật, "
            f"{totals[RowResult.IMPORT_TYPE_SKIP]} cơ quan không đổi.",
        )
