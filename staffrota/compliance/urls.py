from django.urls import path

from staffrota.compliance import views

app_name = "compliance"

urlpatterns = [
    path("", views.my_compliance, name="my"),
    path("training/", views.training_matrix, name="training_matrix"),
    path("training/add/", views.training_add, name="training_add"),
    path("training/import/", views.training_import, name="training_import"),
    path("supervision/", views.supervision_list, name="supervision_list"),
    path("supervision/<int:staff_id>/", views.supervision_staff, name="supervision_staff"),
    path("registrations/", views.registration_list, name="registration_list"),
    path("registrations/<int:staff_id>/", views.registration_edit, name="registration_edit"),
    path("incidents/", views.incident_list, name="incident_list"),
    path("incidents/new/", views.incident_new, name="incident_new"),
    path("incidents/summary/", views.incident_summary, name="incident_summary"),
    path("incidents/<int:incident_id>/", views.incident_detail, name="incident_detail"),
    path("reports/", views.report_index, name="reports"),
    path("reports/monthly.pdf", views.report_monthly, {"fmt": "pdf"}, name="report_monthly_pdf"),
    path("reports/monthly.xlsx", views.report_monthly, {"fmt": "xlsx"}, name="report_monthly_xlsx"),
    path("reports/evidence/<int:home_id>.pdf", views.evidence_pack, name="evidence_pack"),
]
