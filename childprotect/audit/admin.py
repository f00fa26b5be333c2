from __future__ import annotations

import csv
import io
import json
from typing import Any, TypeVar

from django.contrib import admin
from django.db import models
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from .actions import ExportAction, admin_action, entry_label
from .models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin[AuditEntry]):
    """Read-only: administrators browse and filter the log; nobody adds, edits or deletes entries here."""

    list_display = ["at", "actor_repr", "action", "action_words", "object_type", "object_repr", "ip"]
    list_filter = [
        ("actor", admin.RelatedOnlyFieldListFilter),
        "action",
        ("object_type", admin.RelatedOnlyFieldListFilter),
        ("at", admin.DateFieldListFilter),
    ]
    search_fields = ["actor_repr", "object_repr", "object_id", "action"]
    date_hierarchy = "at"
    list_select_related = ["object_type"]
    readonly_fields = [f.name for f in AuditEntry._meta.fields]
    actions = ["export_csv"]

    @admin.display(description="nội dung")
    def action_words(self, entry: AuditEntry) -> str:
        return entry_label(entry.action, entry.changes)

    @admin.action(description="Xuất các dòng đã chọn (CSV)")
    def export_csv(self, request: HttpRequest, queryset: QuerySet[AuditEntry]) -> HttpResponse:
        """The selected entries as CSV (UTF-8 with BOM); the export itself is an entry of the log."""
        from childprotect.exports import neutralise

        from .services import audit_record

        rows = queryset.select_related("object_type").order_by("at", "id")
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["Thời điểm", "Tài khoản", "Hành động", "Loại đối tượng", "Mã", "Đối tượng", "IP", "Thay đổi"])
        count = 0
        for e in rows.iterator(chunk_size=2000):
            at = timezone.localtime(e.at).strftime("%d/%m/%Y %H:%M:%S")
            kind = e.object_type.model if e.object_type else ""
            changes = json.dumps(e.changes, ensure_ascii=False)
            values = [at, e.actor_repr, e.action, kind, e.object_id, e.object_repr, e.ip or "", changes]
            writer.writerow([neutralise(v) for v in values])
            count += 1
        audit_record(actor=request.user, action=ExportAction.AUDIT, changes={"rows": count})
        response = HttpResponse(("\ufeff" + out.getvalue()).encode("utf-8"), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="nhat-ky.csv"'
        response["Cache-Control"] = "no-store, private"
        return response

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


_M = TypeVar("_M", bound=models.Model)


class AuditedModelAdmin(admin.ModelAdmin[_M]):
    """Django admin is a way to write too: every save and delete made there is recorded like a service's write.

    The admin already wraps each change form in a transaction, so the entry commits with the change or not at all.
    """

    audit_masked_fields: tuple[str, ...] = ()

    def save_model(self, request: HttpRequest, obj: _M, form: ModelForm[_M], change: bool) -> None:
        from .services import audit_diff, audit_record

        fields = [f for f in form.changed_data if f in {x.name for x in obj._meta.fields}]
        before = {f: form.initial.get(f) for f in fields}
        super().save_model(request, obj, form, change)
        after = {f: form.cleaned_data.get(f) for f in fields}
        diff = audit_diff(
            {k: _plain(v) for k, v in before.items()},
            {k: _plain(v) for k, v in after.items()},
            masked=self.audit_masked_fields,
        )
        audit_record(
            actor=request.user, action=admin_action(obj, "update" if change else "create"), obj=obj, changes=diff
        )

    def delete_model(self, request: HttpRequest, obj: _M) -> None:
        from .services import audit_record

        audit_record(actor=request.user, action=admin_action(obj, "delete"), obj=obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[_M]) -> None:
        for obj in queryset:
            self.delete_model(request, obj)


def _plain(value: Any) -> Any:
    """A JSON-safe form of a form value for the diff (model instances by primary key)."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return getattr(value, "pk", None) or str(value)
