from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render

from childprotect.http import AuthenticatedRequest


@login_required
def profile(request: AuthenticatedRequest) -> HttpResponse:
    return render(
        request, "accounts/profile.html", {"ancestors": request.user.unit.ancestors() if request.user.unit else []}
    )
