from __future__ import annotations

from django.urls import path

from . import admin_views, views

app_name = "alerts"

urlpatterns = [
    path("a/<str:token>/", views.opened, name="open"),
    path("alerts/settings/", views.alert_settings, name="settings"),
    path("alerts/settings/quiet-hours/", views.quiet_hours, name="quiet_hours"),
    path("alerts/settings/phone/", views.phone, name="phone"),
    path("alerts/settings/phone/code/", views.phone_code, name="phone_code"),
    path("alerts/settings/phone/verify/", views.phone_verify, name="phone_verify"),
    path("alerts/receipts/<str:channel>/<str:provider>/", views.receipt, name="receipt"),
    # The administrators' page (docs/alerts.md#the-administrators-page).
    path("alerts/channels/", admin_views.channels, name="channels"),
    path("alerts/channels/test/", admin_views.channel_test, name="channel_test"),
    path("alerts/deliveries/", admin_views.delivery_list, name="delivery_list"),
    path("alerts/deliveries/<id:pk>/", admin_views.delivery_detail, name="delivery_detail"),
    path("alerts/deliveries/<id:pk>/retry/", admin_views.delivery_resend, name="delivery_retry"),
]
