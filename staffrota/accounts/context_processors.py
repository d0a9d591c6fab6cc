"""Role-aware navigation for the page layout."""

from django.urls import reverse


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    access = getattr(request, "access", None)
    items = []
    if access is not None and access.staff_id:
        items.append(("My shifts", reverse("my_shifts")))
        items.append(("Open shifts", reverse("my_open_shifts")))
        items.append(("Swaps", reverse("my_swaps")))
        items.append(("Calendar", reverse("my_calendar")))
        items.append(("My leave", reverse("leave_mine")))
    if access is not None and access.manages:
        items.append(("Units and rotas", reverse("unit_list")))
        items.append(("Vacancies", reverse("vacancy_list")))
        items.append(("Swap requests", reverse("swap_queue")))
        items.append(("Leave queue", reverse("leave_queue")))
        items.append(("Sickness", reverse("leave_sickness")))
    if access is not None and access.manages:
        items.append(("Dashboard", reverse("dashboards:index")))
        items.append(("Forecasts", reverse("forecast_compare")))
        items.append(("Training", reverse("compliance:training_matrix")))
        items.append(("Supervision", reverse("compliance:supervision_list")))
        items.append(("Registrations", reverse("compliance:registration_list")))
        items.append(("Reports", reverse("compliance:reports")))
    if access is not None and (access.staff_id or access.manages):
        items.append(("Incidents", reverse("compliance:incident_list")))
    if access is not None and access.staff_id:
        items.append(("My training", reverse("compliance:my")))
    if user.is_staff:
        items.append(("Admin", reverse("admin:index")))
    return {"nav_items": items, "role_label": user.get_role_display()}
