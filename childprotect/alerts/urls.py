from __future__ import annotations

from django.urls import path

from . import views

app_name = "alerts"

urlpatterns = [
    path("a/<str:token>/", views.opened, name="open"),
    path("alerts/receipts/<str:channel>/<str:provider>/", views.receipt, name="receipt"),
]
