from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.urls import path

from . import views

# The field app's store and the service worker's caches go with the session (docs/field.md#logout).
CLEAR_SITE_DATA = '"cache", "storage"'


def logout(request: HttpRequest) -> HttpResponseBase:
    """Django's LogoutView, whose answer tells the browser to drop this site's caches and storage (IndexedDB, the
    service workers): what the offline field app kept on the device is gone with the session."""
    response = auth_views.LogoutView.as_view()(request)
    if request.method == "POST":
        response["Clear-Site-Data"] = CLEAR_SITE_DATA
    return response


urlpatterns = [
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("logout/", logout, name="logout"),
    path("password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("me/", views.profile, name="profile"),
    path("2fa/setup/", views.two_factor_setup, name="two_factor_setup"),
    path("2fa/verify/", views.two_factor_verify, name="two_factor_verify"),
    path("2fa/disable/", views.two_factor_disable, name="two_factor_disable"),
    path("2fa/backup-codes/", views.two_factor_backup_codes, name="two_factor_backup_codes"),
]
