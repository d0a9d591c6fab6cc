from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "Staff Rota administration"
admin.site.site_title = "Staff Rota admin"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("staffrota.api.urls")),
    path("imports/", include("staffrota.imports.urls")),
    path("accounts/", include("staffrota.accounts.urls")),
    path("leave/", include("staffrota.leave.urls")),
    path("", include("staffrota.rota.urls")),
    path("security/", include("staffrota.security.urls")),
    path("audit/", include("staffrota.audit.urls")),
    path("compliance/", include("staffrota.compliance.urls")),
    path("dashboard/", include("staffrota.dashboards.urls")),
    path("", include("staffrota.forecasting.urls")),
    path("", include("staffrota.optimiser.urls")),
    path("", include("staffrota.ops.urls")),
    path("", include("staffrota.web.urls")),
]
