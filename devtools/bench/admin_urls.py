"""The product's URLs plus a second admin site with Case under its default ModelAdmin (admin_settings.py says why)."""

from django.contrib import admin
from django.urls import URLPattern, URLResolver, include, path

from cases.models import Case

site = admin.AdminSite(name="bench_admin")
site.register(Case)  # the default ModelAdmin: 100 rows a page, newest first, a COUNT for the paginator

urlpatterns: list[URLPattern | URLResolver] = [
    path("bench-admin/", site.urls),
    path("", include("childprotect.urls")),
]
