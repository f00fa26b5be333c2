"""Agencies in and out of a spreadsheet (django-import-export, CSV or XLSX), for administrators.

The columns, how each cell is read and the Vietnamese messages are those of referrals/agency_columns.py, which the
/imports/ job uses too: the same bad row is refused with the same words on both paths. Headers are the stable machine
keys (name, agency_type, unit, address, phone, email, is_active) or their Vietnamese names.

A row is identified by (unit, name). Every row is checked before anything is kept: a file with any bad row imports
nothing (the whole import is one transaction, rolled back on any invalid row), and each message names the row by its
line in the file. Each agency created or changed goes through `agency_ensure`, which writes its audit entry
("agency.create" / "agency.update", actor = the administrator) in the same transaction; an unchanged row is skipped,
so importing the same file again changes nothing and records nothing.
"""

from __future__ import annotations

import traceback
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from import_export import fields, resources, widgets
from import_export.results import Error, Result

from cases.policy import can_see_child_protected
from childprotect.accounts.policy import acts_for_agency
from childprotect.exports import ExportResource
from childprotect.places.models import AdminUnit
from childprotect.places.selectors import unit_get_by_key

from .agency_columns import (
    COLUMNS,
    REQUIRED_COLUMNS,
    AgencyRowChecker,
    agency_type_from_text,
    cell_text,
    header_key,
    missing_columns_message,
)
from .models import Agency, Referral
from .services import agency_ensure


class AgencyFileError(ValueError):
    """A problem with the file as a whole (e.g. a missing column), told in Vietnamese."""


class AgencyTypeWidget(widgets.Widget):
    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> str:
        return agency_type_from_text(value)

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> str:
        return str(value or "")


class UnitKeyWidget(widgets.Widget):
    """A unit written LIST:CODE (e.g. 2026:14797), the way units are written everywhere outside the database."""

    def __init__(self) -> None:
        super().__init__()
        self._units: dict[str, AdminUnit] = {}

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> AdminUnit | None:
        key = cell_text(value)
        if not key:
            return None
        if key not in self._units:
            self._units[key] = unit_get_by_key(key)  # ValueError with a Vietnamese message
        return self._units[key]

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> str:
        return value.key if isinstance(value, AdminUnit) else ""


class _ImportError(Error):
    """A row or file error; our own Vietnamese refusals are shown without a Python traceback."""

    @property
    def traceback(self) -> str:
        if isinstance(self.error, AgencyFileError):
            return ""
        return "".join(traceback.format_exception(self.error))


class AgencyResource(resources.ModelResource):
    name = fields.Field(attribute="name", column_name="name", widget=widgets.CharWidget())
    agency_type = fields.Field(attribute="agency_type", column_name="agency_type", widget=AgencyTypeWidget())
    unit = fields.Field(attribute="unit", column_name="unit", widget=UnitKeyWidget())
    address = fields.Field(attribute="address", column_name="address", widget=widgets.CharWidget())
    phone = fields.Field(attribute="phone", column_name="phone", widget=widgets.CharWidget())
    email = fields.Field(attribute="email", column_name="email", widget=widgets.CharWidget())
    is_active = fields.Field(attribute="is_active", column_name="is_active", widget=widgets.BooleanWidget())

    class Meta:
        model = Agency
        fields = COLUMNS
        import_order = COLUMNS
        export_order = COLUMNS
        import_id_fields = ("unit", "name")
        skip_unchanged = True
        report_skipped = True
        use_transactions = True
        clean_model_instances = True

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._lines: list[int] = []
        self._checker = AgencyRowChecker()

    @classmethod
    def get_display_name(cls) -> str:
        return "Cơ quan phối hợp"

    def get_error_result_class(self) -> type[Error]:
        return _ImportError

    def get_result_class(self) -> type[Result]:
        line = self._line

        class AgencyImportResult(Result):
            """Rows numbered by their line in the file, as the spreadsheet shows them (the header is line 1)."""

            def append_invalid_row(self, number: int, row: Any, validation_error: Any) -> None:
                super().append_invalid_row(line(number), row, validation_error)

            def row_errors(self) -> list[tuple[int, list[Error]]]:
                return [
                    (line(row.errors[0].number or i), row.errors) for i, row in enumerate(self.rows, 1) if row.errors
                ]

        return AgencyImportResult

    def get_queryset(self) -> Any:
        return super().get_queryset().select_related("unit")

    def import_data(
        self,
        dataset: Any,
        dry_run: bool = False,
        raise_errors: bool = False,
        use_transactions: bool | None = None,
        collect_failed_rows: bool = False,
        rollback_on_validation_errors: bool = True,
        **kwargs: Any,
    ) -> Any:
        # All or nothing, whoever calls: one bad row rolls the whole file back.
        return super().import_data(
            dataset,
            dry_run=dry_run,
            raise_errors=raise_errors,
            use_transactions=use_transactions,
            collect_failed_rows=collect_failed_rows,
            rollback_on_validation_errors=True,
            **kwargs,
        )

    # --- the file, then each row, checked before anything is written ----------------------------------------------

    def before_import(self, dataset: Any, **kwargs: Any) -> None:
        """Accept the Vietnamese column names as headers, drop blank lines, insist on the required columns."""
        headers = [header_key(h) for h in (dataset.headers or [])]
        dataset.headers = headers
        # Blank lines are dropped; rows keep their line numbers as the spreadsheet shows them (the header is line 1).
        blank = [all(cell_text(value) == "" for value in values) for values in dataset]
        self._lines = [index + 2 for index, empty in enumerate(blank) if not empty]
        # The rows are checked by the same checker as the /imports/ job's (the importing user's area applies).
        self._checker = AgencyRowChecker(actor=kwargs.get("user"))
        for index in reversed(range(len(blank))):
            if blank[index]:
                del dataset[index]
        missing = [key for key in REQUIRED_COLUMNS if key not in headers]
        if missing:
            raise AgencyFileError(
                f"{missing_columns_message(missing)} Dòng đầu của tệp phải có các cột: {', '.join(COLUMNS)}; "
                "tải danh sách hiện có bằng nút Export để có tệp mẫu."
            )

    def before_import_row(self, row: Any, **kwargs: Any) -> None:
        line = self._line(kwargs.get("row_number"))
        values, errors = self._checker.check(line, row)
        if errors:
            raise ValidationError({key: f"Dòng {line}: {message}" for key, message in errors.items()})
        row.update(values | {"unit": values["unit"].key})

    def _line(self, row_number: int | None) -> int:
        if row_number is None:
            return 0
        return self._lines[row_number - 1] if 0 < row_number <= len(self._lines) else row_number + 1

    # --- writing: through the service, so the audit entry is the service's ---------------------------------------

    def save_instance(self, instance: Agency, is_create: bool, row: Any, **kwargs: Any) -> None:
        if self._is_dry_run(kwargs) and not self._is_using_transactions(kwargs):
            return  # a dry run that could not be rolled back writes nothing
        agency, _created = agency_ensure(
            actor=kwargs.get("user"),
            name=instance.name,
            agency_type=instance.agency_type,
            unit=instance.unit,
            address=instance.address,
            phone=instance.phone,
            email=instance.email,
            is_active=instance.is_active,
        )
        # The row's instance now stands for the saved agency (the admin log and the result read it).
        instance.pk = agency.pk
        instance.name_folded = agency.name_folded
        instance._state.adding = False


# --- Export of the referrals list (childprotect/exports.py makes the file) ------------------------------------------
# Imported here, below the agency import above, which this part leaves as it is.


def _export_column(attribute: str | None, name: Any) -> fields.Field:
    return fields.Field(attribute=attribute, column_name=name, readonly=True)


class ReferralExportResource(ExportResource):
    """The referrals list as a spreadsheet. What the commune asked and told the agency (services, message, consent
    note, the agency's account of what it did) is protected: it goes to the agency's partners, who act on it, and to
    those who may see the child's protected data (as on the referral's page). Never the reporter, and never the
    suspects (no column): whether a referral carries them is its addressee's matter (referrals.policy), shown on its
    page and letter; a list of referrals to every kind of agency is not where they go."""

    number = _export_column(None, _("Số chuyển tuyến"))
    case = _export_column(None, _("Hồ sơ"))
    child = _export_column("case__child__full_name", _("Trẻ em"))
    unit = _export_column("case__unit__name", _("Xã, phường"))
    agency = _export_column("agency__name", _("Cơ quan nhận"))
    agency_type = _export_column("agency__get_agency_type_display", _("Loại cơ quan"))
    urgency = _export_column("get_urgency_display", _("Mức độ"))
    status = _export_column("get_status_display", _("Trạng thái"))
    created_at = _export_column("created_at", _("Ngày lập"))
    sent_at = _export_column("sent_at", _("Ngày gửi"))
    response_due = _export_column("response_due", _("Hạn phản hồi"))
    overdue = _export_column(None, _("Quá hạn phản hồi"))
    responded_at = _export_column("responded_at", _("Ngày phản hồi"))
    completed_at = _export_column("completed_at", _("Ngày hoàn thành"))
    outcome = _export_column("outcome__label", _("Kết quả"))
    outcome_reference = _export_column("outcome_reference", _("Số quyết định, văn bản"))
    child_consent = _export_column("get_child_consent_display", _("Ý kiến của trẻ"))
    carer_consent = _export_column("get_carer_consent_display", _("Ý kiến của cha mẹ, người chăm sóc"))
    # Protected.
    services_requested = _export_column("services_requested", _("Dịch vụ, hỗ trợ đề nghị"))
    message = _export_column("message", _("Thông tin cần thiết để thực hiện"))
    consent_note = _export_column("consent_note", _("Ghi chú về sự đồng ý"))
    actions_taken = _export_column("actions_taken", _("Việc đã làm"))

    protected_fields = ("services_requested", "message", "consent_note", "actions_taken")

    class Meta:
        model = Referral
        fields = (
            "number",
            "case",
            "child",
            "unit",
            "agency",
            "agency_type",
            "urgency",
            "status",
            "created_at",
            "sent_at",
            "response_due",
            "overdue",
            "responded_at",
            "completed_at",
            "outcome",
            "outcome_reference",
            "child_consent",
            "carer_consent",
            "services_requested",
            "message",
            "consent_note",
            "actions_taken",
        )
        export_order = fields

    def sees_protected(self, obj: Referral) -> bool:
        return acts_for_agency(self.user) or can_see_child_protected(self.user, obj.case.child)

    def with_related(self, queryset: QuerySet[Any], *, protected: bool) -> QuerySet[Any]:
        return queryset.select_related("case__child", "case__unit", "agency", "outcome")

    def dehydrate_number(self, referral: Referral) -> str:
        return str(referral)

    def dehydrate_case(self, referral: Referral) -> str:
        return f"HS-{referral.case_id:06d}"

    def dehydrate_overdue(self, referral: Referral) -> bool:
        due = getattr(referral, "response_due", None)
        return due is not None and due <= self.now
