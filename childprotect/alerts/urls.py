from __future__ import annotations

from django.urls import path

from . import views

app_name = "alerts"

urlpatterns = [
    path("a/<str:token>/", views.opened, name="open"),
    path("alerts/settings/", views.alert_settings, name="settings"),
    path("alerts/settings/quiet-hours/", views.quiet_hours, name="quiet_hours"),
    path("alerts/settings/phone/", views.phone, name="phone"),
    path("alerts/settings/phone/code/", views.phone_code, name="phone_code"),
    path("alerts/settings/phone/verify/", views.phone_verify, name="phone_verify"),
    path("alerts/receipts/<str:channel>/<str:provider>/", views.receipt, name="receipt"),
]
