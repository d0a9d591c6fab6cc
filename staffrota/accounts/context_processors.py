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
    if access is not None and access.manages:
        items.append(("Units and rotas", reverse("unit_list")))
        items.append(("Vacancies", reverse("vacancy_list")))
        items.append(("Swap requests", reverse("swap_queue")))
        items.append(("Import", reverse("import_start")))
    if user.is_staff:
        items.append(("Admin", reverse("admin:index")))
    return {"nav_items": items, "role_label": user.get_role_display()}
