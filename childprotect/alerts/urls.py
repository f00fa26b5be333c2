from __future__ import annotations

from django.urls import path

from . import admin_views, views

app_name = "alerts"

urlpatterns = [
    path("a/<str:token>/", views.opened, name="open"),
    path("alerts/receipts/<str:channel>/<str:provider>/", views.receipt, name="receipt"),
    # The administrators' page (docs/alerts.md#the-administrators-page).
    path("alerts/channels/", admin_views.channels, name="channels"),
    path("alerts/channels/test/", admin_views.channel_test, name="channel_test"),
    path("alerts/deliveries/", admin_views.delivery_list, name="delivery_list"),
    path("alerts/deliveries/<id:pk>/", admin_views.delivery_detail, name="delivery_detail"),
    path("alerts/deliveries/<id:pk>/retry/", admin_views.delivery_resend, name="delivery_retry"),
]
