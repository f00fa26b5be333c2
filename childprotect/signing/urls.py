from __future__ import annotations

from django.urls import path

from . import views

app_name = "signing"

urlpatterns = [
    path("signing/certificates/", views.certificate_list, name="certificates"),
    path("signing/certificates/<id:pk>/revoke/", views.certificate_revoke, name="certificate_revoke"),
    path("signing/<slug:kind>/<id:pk>/sign/", views.document_sign, name="sign"),
    path("signing/documents/<id:pk>/", views.document_detail, name="document"),
]
