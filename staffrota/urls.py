from django.contrib import admin
from django.urls import include, path

from staffrota.ops.routing import KeptResolver

admin.site.site_header = "Staff Rota administration"
admin.site.site_title = "Staff Rota admin"

# Django tries the patterns in order on every request: the pages people open all day (their
# shifts, rotas, vacancies, leave, the API) come first. No two of these overlap, so the
# order changes only how soon a match is found (url resolution was ~5 % of a page's CPU).
routes = [
    path("", include("staffrota.web.urls")),
    path("", include("staffrota.rota.urls")),
    path("leave/", include("staffrota.leave.urls")),
    path("api/v1/", include("staffrota.api.urls")),
    path("accounts/", include("staffrota.accounts.urls")),
    path("dashboard/", include("staffrota.dashboards.urls")),
    path("compliance/", include("staffrota.compliance.urls")),
    path("security/", include("staffrota.security.urls")),
    path("audit/", include("staffrota.audit.urls")),
    path("imports/", include("staffrota.imports.urls")),
    path("", include("staffrota.forecasting.urls")),
    path("", include("staffrota.optimiser.urls")),
    path("", include("staffrota.ops.urls")),
    path("admin/", admin.site.urls),
]

# Resolved once per path per process (staffrota/ops/routing.py): same matches, no regex walk.
urlpatterns = [KeptResolver(routes)]
