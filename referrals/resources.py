"""Agencies in and out of a spreadsheet (django-import-export, CSV or XLSX), for administrators.

Columns, with stable machine keys as headers (the Vietnamese names of the fields are accepted as headers too):

    name         tên cơ quan (required)
    agency_type  loại: the code (police, health, ...) or the Vietnamese label ("Công an", "Y tế", ...) (required)
    unit         địa bàn phục vụ, written LIST:CODE, e.g. 2026:14797 (required)
    address, phone, email
    is_active    1/0 (also true/false, có/không); empty means active

A row is identified by (unit, name). Every row is checked before anything is kept: a file with any bad row imports
nothing (the whole import is one transaction, rolled back on any invalid row), and each message names the row by its
line in the file. Each agency created or changed goes through `agency_ensure`, which writes its audit entry
("agency.create" / "agency.update", actor = the administrator) in the same transaction; an unchanged row is skipped,
so importing the same file again changes nothing and records nothing.
"""

from __future__ import annotations

import traceback
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from import_export import fields, resources, widgets
from import_export.results import Error, Result

from cases.policy import can_see_child_protected
from childprotect.accounts.models import Role
from childprotect.exports import ExportResource
from childprotect.places.models import AdminUnit
from childprotect.places.selectors import unit_get_by_key
from childprotect.text import fold, nfc

from .models import Agency, AgencyType, Referral
from .services import AGENCY_FIELDS, agency_ensure

COLUMNS: tuple[str, ...] = tuple(AGENCY_FIELDS)  # name, agency_type, unit, address, phone, email, is_active
REQUIRED_COLUMNS = ("name", "agency_type", "unit")
_TRUE = {"1", "true", "co", "x", "yes", "dang hoat dong"}
_FALSE = {"0", "false", "khong", "no", "ngung hoat dong"}


class AgencyFileError(ValueError):
    """A problem with the file as a whole (e.g. a missing column), told in Vietnamese."""


def _model_field(key: str) -> models.Field[Any, Any]:
    return cast("models.Field[Any, Any]", Agency._meta.get_field(key))


def column_label(key: str) -> str:
    """The Vietnamese name of a column, from the model field (e.g. "tên cơ quan" for name)."""
    return str(_model_field(key).verbose_name)


def agency_type_from_text(value: Any) -> str:
    """The AgencyType code written as its code or its Vietnamese label, in any case, with or without accents."""
    folded = fold(_text(value))
    for choice in AgencyType:
        if folded in (fold(choice.value), fold(str(choice.label))):
            return str(choice.value)
    codes = ", ".join(f"{c.value} ({c.label})" for c in AgencyType)
    raise ValueError(f"loại cơ quan “{_text(value)}” không có trong danh mục; ghi mã hoặc tên loại: {codes}.")


def _text(value: Any) -> str:
    """A cell as text: spreadsheets give numbers and booleans too (a whole number stays without ".0")."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return nfc(str(value))


def _flag(value: Any) -> bool:
    if value is None or value == "":
        return True
    if isinstance(value, bool):
        return value
    folded = fold(_text(value))
    if folded in _TRUE:
        return True
    if folded in _FALSE:
        return False
    raise ValueError(f"cột {column_label('is_active')} ghi “{_text(value)}”; ghi 1 (có) hoặc 0 (không).")


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
        key = _text(value)
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
        self._seen: dict[tuple[str, str], int] = {}

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
        aliases = {fold(key): key for key in COLUMNS} | {fold(column_label(key)): key for key in COLUMNS}
        headers = [aliases.get(fold(_text(h)), _text(h)) for h in (dataset.headers or [])]
        dataset.headers = headers
        # Blank lines are dropped; rows keep their line numbers as the spreadsheet shows them (the header is line 1).
        blank = [all(_text(value) == "" for value in values) for values in dataset]
        self._lines = [index + 2 for index, empty in enumerate(blank) if not empty]
        self._seen = {}
        for index in reversed(range(len(blank))):
            if blank[index]:
                del dataset[index]
        missing = [key for key in REQUIRED_COLUMNS if key not in headers]
        if missing:
            named = ", ".join(f"{key} ({column_label(key)})" for key in missing)
            raise AgencyFileError(
                f"Tệp thiếu cột {named}. Dòng đầu của tệp phải có các cột: {', '.join(COLUMNS)}; "
                "tải danh sách hiện có bằng nút Export để có tệp mẫu."
            )

    def before_import_row(self, row: Any, **kwargs: Any) -> None:
        line = self._line(kwargs.get("row_number"))
        values, errors = self._check_row(row)
        if not errors:
            identity = (values["unit"], values["name"])
            if identity in self._seen:
                errors["name"] = (
                    f"cơ quan “{values['name']}” ở địa bàn {values['unit']} đã có ở dòng {self._seen[identity]}."
                )
            else:
                self._seen[identity] = line
        if errors:
            raise ValidationError({key: f"Dòng {line}: {message}" for key, message in errors.items()})
        row.update(values)

    def _line(self, row_number: int | None) -> int:
        if row_number is None:
            return 0
        return self._lines[row_number - 1] if 0 < row_number <= len(self._lines) else row_number + 1

    def _check_row(self, row: Any) -> tuple[dict[str, Any], dict[str, str]]:
        """The row's values made canonical, and what is wrong with it ({column: Vietnamese message})."""
        values: dict[str, Any] = {}
        errors: dict[str, str] = {}
        for key in COLUMNS:
            if key in row and key not in ("agency_type", "unit", "is_active"):
                values[key] = _text(row[key])
        if not values.get("name"):
            errors["name"] = f"thiếu {column_label('name')}."
        try:
            values["agency_type"] = agency_type_from_text(row.get("agency_type"))
        except ValueError as exc:
            errors["agency_type"] = str(exc) if _text(row.get("agency_type")) else "thiếu loại cơ quan."
        unit_key = _text(row.get("unit"))
        if not unit_key:
            errors["unit"] = f"thiếu {column_label('unit')} (ghi DANHMỤC:MÃ, ví dụ 2026:14797)."
        else:
            try:
                values["unit"] = self.fields["unit"].widget.clean(unit_key).key
            except ValueError as exc:
                errors["unit"] = str(exc)
        if values.get("email"):
            try:
                validate_email(values["email"])
            except ValidationError:
                errors["email"] = f"{column_label('email')} “{values['email']}” không hợp lệ."
        if "is_active" in row:
            try:
                values["is_active"] = _flag(row["is_active"])
            except ValueError as exc:
                errors["is_active"] = str(exc)
        for key in ("name", "address", "phone", "email"):
            limit = _model_field(key).max_length
            if key not in errors and limit and len(values.get(key, "")) > limit:
                errors[key] = f"{column_label(key)} dài quá {limit} ký tự."
        return values, errors

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
        return self.user.role == Role.PARTNER or can_see_child_protected(self.user, obj.case.child)

    def with_related(self, queryset: QuerySet[Any], *, protected: bool) -> QuerySet[Any]:
        return queryset.select_related("case__child", "case__unit", "agency", "outcome")

    def dehydrate_number(self, referral: Referral) -> str:
        return str(referral)

    def dehydrate_case(self, referral: Referral) -> str:
        return f"HS-{referral.case_id:06d}"

    def dehydrate_overdue(self, referral: Referral) -> bool:
        due = getattr(referral, "response_due", None)
        return due is not None and due <= self.now
