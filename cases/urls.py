from __future__ import annotations

from django.urls import path

from . import attachment_views, export_views, pdf_views, retention_views, views

app_name = "cases"
urlpatterns = [
    path("reports/", views.report_list, name="report_list"),
    path("reports/new/", views.report_create, name="report_create"),
    path("reports/export/", export_views.report_export, name="report_export"),
    path("reports/<int:pk>/", views.report_detail, name="report_detail"),
    path("reports/<int:pk>/children/", views.report_children, name="report_children"),
    path("children/", views.child_list, name="child_list"),
    path("children/new/", views.child_create, name="child_create"),
    path("children/export/", export_views.child_export, name="child_export"),
    path("children/<int:pk>/", views.child_detail, name="child_detail"),
    path("children/<int:pk>/edit/", views.child_edit, name="child_edit"),
    path("reports/<int:pk>/mau-01.pdf", pdf_views.report_form_pdf, name="report_form_pdf"),
    path("records/deleted/", retention_views.deleted_records, name="deleted_records"),
    path("records/<str:kind>/<int:pk>/delete/", retention_views.record_delete, name="record_delete"),
    path("records/<str:kind>/<int:pk>/restore/", retention_views.record_restore, name="record_restore"),
    path("cases/", views.case_list, name="case_list"),
    path("cases/export/", export_views.case_export, name="case_export"),
    path("cases/<int:pk>/", views.case_detail, name="case_detail"),
    path("cases/<int:pk>/act/<str:action>/", views.case_act, name="case_act"),
    path("cases/<int:pk>/comment/", views.case_comment, name="case_comment"),
    path("cases/<int:pk>/separation/", views.case_separation, name="case_separation"),
    path("cases/<int:pk>/forms/<str:form>.pdf", pdf_views.case_form_pdf, name="case_form_pdf"),
    path("cases/<int:pk>/attachments/", attachment_views.attachment_upload, name="attachment_upload"),
    path(
        "cases/<int:pk>/attachments/<int:attachment_pk>/",
        attachment_views.attachment_download,
        name="attachment_download",
    ),
]
