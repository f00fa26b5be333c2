"""Export of the referrals list (XLSX or CSV): `?format=xlsx|csv&protected=0|1` and the list's own filters.

The filters are read with the list's form into the list's selector filters, exactly as referral_list does
(referrals/views.py): the file is the filtered list the user sees (partners: their agency's referrals), every row.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, StreamingHttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from childprotect.audit.actions import ExportAction
from childprotect.exports import export_response
from childprotect.http import AuthenticatedRequest

from . import selectors
from .forms import ReferralFilterForm, referral_filters
from .resources import ReferralExportResource


@login_required
@require_safe
def referral_export(request: AuthenticatedRequest) -> HttpResponse | StreamingHttpResponse:
    form = ReferralFilterForm(request.GET or None)
    return export_response(
        request,
        list_url="referrals:referral_list",
        resource=ReferralExportResource,
        rows=lambda: selectors.referrals_list(request.user, referral_filters(form)),
        action=ExportAction.REFERRALS,
        title=_("Chuyển tuyến"),
        basename="chuyen-tuyen",
        filter_keys=list(form.fields),
    )
