from __future__ import annotations

from django.urls import path

from . import export_views, pdf_views, views

app_name = "referrals"
urlpatterns = [
    path("referrals/", views.referral_list, name="referral_list"),
    path("referrals/export/", export_views.referral_export, name="referral_export"),
    path("cases/<id:case_pk>/referrals/new/", views.referral_create, name="referral_create"),
    path("referrals/<id:pk>/", views.referral_detail, name="referral_detail"),
    path("referrals/<id:pk>/letter.pdf", pdf_views.referral_letter, name="referral_letter"),
    path("referrals/<id:pk>/<str:action>/", views.referral_act, name="referral_act"),
]
