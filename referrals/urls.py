from __future__ import annotations

from django.urls import path

from . import export_views, pdf_views, views

app_name = "referrals"
urlpatterns = [
    path("referrals/", views.referral_list, name="referral_list"),
    path("referrals/export/", export_views.referral_export, name="referral_export"),
    path("cases/<int:case_pk>/referrals/new/", views.referral_create, name="referral_create"),
    path("referrals/<int:pk>/", views.referral_detail, name="referral_detail"),
    path("referrals/<int:pk>/letter.pdf", pdf_views.referral_letter, name="referral_letter"),
    path("referrals/<int:pk>/<str:action>/", views.referral_act, name="referral_act"),
]
