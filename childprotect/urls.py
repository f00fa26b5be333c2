from __future__ import annotations

from django.contrib import admin
from django.urls import include, path
from django.views.i18n import set_language

from childprotect.core import notification_views
from childprotect.core import views as core_views

admin.site.site_header = "Bảo vệ trẻ em: quản trị"
admin.site.site_title = "Bảo vệ trẻ em"
admin.site.index_title = "Quản trị hệ thống"

urlpatterns = [
    path("", core_views.home, name="home"),
    path("accounts/", include("childprotect.accounts.urls")),
    path("places/", include("childprotect.places.urls")),
    path("notifications/", notification_views.notification_list, name="notifications"),
    path("notifications/<int:pk>/open/", notification_views.notification_open, name="notification_open"),
    path("notifications/read-all/", notification_views.notification_read_all, name="notification_read_all"),
    path("", include("cases.urls")),
    path("", include("referrals.urls")),
    path("", include("reporting.urls")),
    path("i18n/setlang/", set_language, name="set_language"),
    path("admin/", admin.site.urls),
]
