from __future__ import annotations

from django.contrib import admin
from django.urls import include, path
from django.views.i18n import JavaScriptCatalog, set_language

from childprotect import converters  # noqa: F401  (registers <id:...> before the apps' urls are included)
from childprotect.core import export_views, import_views, notification_views
from childprotect.metrics.views import metrics
from home import saved_search_views
from home import views as home_views

admin.site.site_header = "Bảo vệ trẻ em: quản trị"
admin.site.site_title = "Bảo vệ trẻ em"
admin.site.index_title = "Quản trị hệ thống"

urlpatterns = [
    path("", home_views.home, name="home"),
    path("home/caseload/", home_views.caseload_page, name="caseload"),
    path("home/caseload.xlsx", home_views.caseload_xlsx, name="caseload_xlsx"),
    path("saved-searches/", saved_search_views.saved_search_list, name="saved_searches"),
    path("saved-searches/save/", saved_search_views.saved_search_create, name="saved_search_create"),
    path("saved-searches/edit/", saved_search_views.saved_search_edit, name="saved_search_edit"),
    path("accounts/", include("childprotect.accounts.urls")),
    path("places/", include("childprotect.places.urls")),
    path("notifications/", notification_views.notification_list, name="notifications"),
    path("notifications/<id:pk>/open/", notification_views.notification_open, name="notification_open"),
    path("notifications/read-all/", notification_views.notification_read_all, name="notification_read_all"),
    path("imports/", import_views.import_list, name="imports"),
    path("imports/template/<str:kind>.<str:fmt>", import_views.import_template, name="import_template"),
    path("imports/<id:pk>/", import_views.import_detail, name="import_detail"),
    path("imports/<id:pk>/confirm/", import_views.import_confirm, name="import_confirm"),
    path("imports/<id:pk>/cancel/", import_views.import_cancel, name="import_cancel"),
    path("exports/<id:pk>/", export_views.export_detail, name="export_detail"),
    path("exports/<id:pk>/download/", export_views.export_download, name="export_download"),
    path("", include("childprotect.signing.urls")),
    path("", include("childprotect.alerts.urls")),
    path("", include("childprotect.health.urls")),
    path("", include("cases.urls")),
    path("", include("referrals.urls")),
    path("", include("reporting.urls")),
    path("api/", include("api.urls")),
    path("i18n/setlang/", set_language, name="set_language"),
    # The JavaScript catalog (domain djangojs): gettext() for the field app's modules (docs/field.md)
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("field/", include("childprotect.field.urls")),
    path("admin/", admin.site.urls),
    path("metrics", metrics, name="metrics"),  # Prometheus; a token or an allow-list, no session
]

handler500 = "childprotect.core.middleware.server_error"  # SQLite "database is locked": 503, not 500
