"""Export of the referrals list (XLSX or CSV): `?format=xlsx|csv&protected=0|1` and the list's own filters.

The list's `ListExport` (referrals/resources.py) selects the rows as referral_list does; the CSV stream, the XLSX
job and the audit entry: childprotect/exports.py.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http.response import HttpResponseBase
from django.views.decorators.http import require_safe

from childprotect.exports import export_response
from childprotect.http import AuthenticatedRequest

from .resources import REFERRALS


@login_required
@require_safe
def referral_export(request: AuthenticatedRequest) -> HttpResponseBase:
    return export_response(request, REFERRALS)
