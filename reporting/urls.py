from __future__ import annotations

from django.urls import path

from . import output_views, views

app_name = "reporting"
urlpatterns = [
    path("periodic-reports/", views.report_list, name="report_list"),
    path("periodic-reports/new/", views.report_new, name="report_new"),
    path("periodic-reports/<id:pk>/", views.report_detail, name="report_detail"),
    path("periodic-reports/<id:pk>/figures/<str:code>/", views.report_figure, name="report_figure"),
    path("periodic-reports/<id:pk>/pdf/", output_views.report_pdf_status, name="report_pdf"),
    path("periodic-reports/<id:pk>/report.pdf", output_views.report_pdf_download, name="report_pdf_download"),
    path("periodic-reports/<id:pk>/report.xlsx", output_views.report_xlsx, name="report_xlsx"),
    path("periodic-reports/<id:pk>/sent/<id:number>/", views.report_sent_version, name="report_sent_version"),
    path(
        "periodic-reports/<id:pk>/sent/<id:number>/report.pdf",
        views.report_sent_version_pdf,
        name="report_sent_version_pdf",
    ),
    path("periodic-reports/<id:pk>/<str:action>/", views.report_act, name="report_act"),
]
