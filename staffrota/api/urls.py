from django.urls import path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from staffrota.api.errors import not_found
from staffrota.api.views import leave, org, payroll, shifts
from staffrota.api.views.ping import ping

urlpatterns = [
    path("ping/", ping, name="api_ping"),
    path("me/", org.Me.as_view(), name="api_me"),
    path("homes/", org.HomeList.as_view(), name="api_homes"),
    path("homes/<int:home_id>/", org.HomeDetail.as_view(), name="api_home"),
    path("units/", org.UnitList.as_view(), name="api_units"),
    path("units/<int:unit_id>/", org.UnitDetail.as_view(), name="api_unit"),
    path("job-roles/", org.JobRoleList.as_view(), name="api_job_roles"),
    path("staff/", org.StaffList.as_view(), name="api_staff_list"),
    path("staff/<int:staff_id>/", org.StaffDetail.as_view(), name="api_staff"),
    path("shifts/", shifts.ShiftListCreate.as_view(), name="api_shifts"),
    path("shifts/<int:shift_id>/", shifts.ShiftDetail.as_view(), name="api_shift"),
    path("shifts/<int:shift_id>/cancel/", shifts.ShiftCancel.as_view(), name="api_shift_cancel"),
    path("leave-requests/", leave.LeaveListCreate.as_view(), name="api_leave_list"),
    path("leave-requests/<int:leave_id>/", leave.LeaveDetail.as_view(), name="api_leave"),
    path("payroll/", payroll.PayrollExport.as_view(), name="api_payroll"),
    path("payroll.csv", payroll.PayrollCsv.as_view(), name="api_payroll_csv"),
    path("schema/", SpectacularAPIView.as_view(), name="api_schema"),
    path(
        "docs/",
        SpectacularSwaggerSplitView.as_view(
            url_name="api_schema", template_name="api/swagger_ui.html"
        ),
        name="api_docs",
    ),
    re_path(r"^.*$", not_found),
]
