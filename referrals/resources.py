"""The referrals list as a spreadsheet: its columns and its `ListExport`, registered from ReferralsConfig.ready()
(childprotect/exports.py makes the file)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from import_export import fields

from cases.policy import can_see_child_protected
from childprotect.accounts.policy import acts_for_agency, can_see_protected_data
from childprotect.audit.actions import ExportAction
from childprotect.exports import ExportResource, ListExport

from . import selectors
from .forms import ReferralFilterForm, referral_filters
from .models import Referral


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

    def may_see_protected(self) -> bool:
        # what can_see_child_protected asks of every child
        return acts_for_agency(self.user) or can_see_protected_data(self.user)

    def with_related(self, queryset: QuerySet[Any], *, protected: bool) -> QuerySet[Any]:
        return queryset.select_related("case__child", "case__unit", "agency", "outcome")

    def dehydrate_number(self, referral: Referral) -> str:
        return str(referral)

    def dehydrate_case(self, referral: Referral) -> str:
        return f"HS-{referral.case_id:06d}"

    def dehydrate_overdue(self, referral: Referral) -> bool:
        due = getattr(referral, "response_due", None)
        return due is not None and due <= self.now


# The filters are read with the list's form into the list's selector, exactly as referral_list does
# (referrals/views.py): the file is the filtered list the user sees (partners: their agency's referrals), every row.
REFERRALS = ListExport(
    name="referrals",
    action=ExportAction.REFERRALS,
    title=_("Chuyển tuyến"),
    basename="chuyen-tuyen",
    list_url="referrals:referral_list",
    filter_keys=tuple(ReferralFilterForm.base_fields),
    rows=lambda user, query: selectors.referrals_list(user, referral_filters(ReferralFilterForm(query or None))),
    resource=lambda user, protected, query: ReferralExportResource(user=user, protected=protected),
)
