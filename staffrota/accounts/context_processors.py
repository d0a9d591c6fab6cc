"""Role-aware navigation for the page layout: the pages a person uses most come first."""

from django.urls import reverse


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    access = getattr(request, "access", None)
    manages = access is not None and access.manages
    is_staff_member = access is not None and bool(access.staff_id)
    items = []
    if manages:
        items += [
            ("Dashboard", reverse("dashboards:index")),
            ("Rotas", reverse("unit_list")),
            ("Vacancies", reverse("vacancy_list")),
            ("Generate rota", reverse("optimiser_new")),
            ("Forecasts", reverse("forecast_compare")),
            ("Leave", reverse("leave_queue")),
            ("Sickness", reverse("leave_sickness")),
            ("Swaps", reverse("swap_queue")),
            ("Incidents", reverse("compliance:incident_list")),
            ("Training", reverse("compliance:training_matrix")),
            ("Supervision", reverse("compliance:supervision_list")),
            ("Registrations", reverse("compliance:registration_list")),
            ("Reports", reverse("compliance:reports")),
            ("Import", reverse("import_start")),
        ]
    if is_staff_member:
        mine = [
            ("My shifts", reverse("my_shifts")),
            ("Open shifts", reverse("my_open_shifts")),
            ("My leave", reverse("leave_mine")),
            ("My swaps", reverse("my_swaps")),
            ("Calendar", reverse("my_calendar")),
            ("My training", reverse("compliance:my")),
        ]
        if not manages:
            mine.insert(5, ("Incidents", reverse("compliance:incident_list")))
        items = mine + items
    if user.is_staff:
        items.append(("Admin", reverse("admin:index")))
    return {"nav_items": items, "role_label": user.get_role_display()}
