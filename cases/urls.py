from __future__ import annotations

from django.urls import path

from . import (
    attachment_views,
    bulk_views,
    decision_views,
    export_views,
    link_views,
    pdf_views,
    rehome_views,
    retention_views,
    transfer_views,
    views,
)

app_name = "cases"
urlpatterns = [
    path("reports/", views.report_list, name="report_list"),
    path("reports/new/", views.report_create, name="report_create"),
    path("reports/export/", export_views.report_export, name="report_export"),
    path("reports/forwarded/", views.report_forwarded, name="report_forwarded"),
    path("reports/<id:pk>/", views.report_detail, name="report_detail"),
    path("reports/<id:pk>/children/", views.report_children, name="report_children"),
    path("reports/<id:pk>/act/<str:action>/", views.report_act, name="report_act"),
    path("children/", views.child_list, name="child_list"),
    path("children/new/", views.child_create, name="child_create"),
    path("children/export/", export_views.child_export, name="child_export"),
    path("children/<id:pk>/", views.child_detail, name="child_detail"),
    path("children/<id:pk>/edit/", views.child_edit, name="child_edit"),
    path("reports/<id:pk>/mau-01.pdf", pdf_views.report_form_pdf, name="report_form_pdf"),
    path("records/deleted/", retention_views.deleted_records, name="deleted_records"),
    path("records/<str:kind>/<id:pk>/delete/", retention_views.record_delete, name="record_delete"),
    path("records/<str:kind>/<id:pk>/restore/", retention_views.record_restore, name="record_restore"),
    path("cases/", views.case_list, name="case_list"),
    path("cases/reassign/", views.case_reassign, name="case_reassign"),
    path("cases/bulk/", bulk_views.case_bulk, name="case_bulk"),
    path("cases/rehome/", rehome_views.case_rehome, name="case_rehome"),
    path("cases/export/", export_views.case_export, name="case_export"),
    path("cases/transfers/", transfer_views.transfer_list, name="transfer_list"),
    path("cases/transfers/<id:pk>/<str:action>/", transfer_views.transfer_act, name="transfer_act"),
    path("cases/<id:pk>/", views.case_detail, name="case_detail"),
    path("cases/<id:pk>/act/<str:action>/", views.case_act, name="case_act"),
    path("cases/<id:pk>/comment/", views.case_comment, name="case_comment"),
    path("cases/<id:pk>/links/", link_views.case_link, name="case_link"),
    path("cases/<id:pk>/links/end/", link_views.case_unlink, name="case_unlink"),
    path("cases/<id:pk>/flags/", views.case_flag, name="case_flag"),
    path("cases/<id:pk>/flags/clear/", views.case_unflag, name="case_unflag"),
    path("cases/<id:pk>/forms/<str:form>.pdf", pdf_views.case_form_pdf, name="case_form_pdf"),
    path("cases/<id:pk>/decisions/<str:kind>.pdf", decision_views.case_decision_pdf, name="case_decision_pdf"),
    path("cases/<id:pk>/attachments/", attachment_views.attachment_upload, name="attachment_upload"),
    path(
        "cases/<id:pk>/attachments/<id:attachment_pk>/",
        attachment_views.attachment_download,
        name="attachment_download",
    ),
]
