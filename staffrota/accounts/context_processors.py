"""Role-aware navigation for the page layout: the pages a person uses most come first."""

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.html import format_html_join
from django.utils.safestring import SafeString

# The menu depends only on which kind of person is asking, and every page draws it: its
# twenty-odd addresses are reversed once per kind of person and process, not per page.
_MENUS: dict[tuple, dict] = {}


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "nav_links": _menu(False, False, False)["links"]}
    access = getattr(request, "access", None)
    manages = access is not None and access.manages
    is_staff_member = access is not None and bool(access.staff_id)
    menu = _menu(manages, is_staff_member, user.is_staff)
    return {
        "nav_items": menu["items"],
        "nav_html": _menu_html(menu, request.path),
        "nav_links": menu["links"],
        "role_label": user.get_role_display(),
    }


def _menu(manages: bool, is_staff_member: bool, is_admin: bool) -> dict:
    key = (
        get_urlconf() or settings.ROOT_URLCONF,
        get_script_prefix(),
        manages,
        is_staff_member,
        is_admin,
    )
    menu = _MENUS.get(key)
    if menu is None:
        menu = {
            "items": tuple(_items(manages, is_staff_member, is_admin)),
            "links": {
                "home": reverse("home"),
                "audit_log": reverse("audit_log"),
                "security": reverse("security_overview"),
                "logout": reverse("logout"),
            },
        }
        _MENUS[key] = menu
    return menu


def _menu_html(menu: dict, path: str) -> SafeString:
    """The menu's list items, the current page's marked: drawn once per kind of person and
    page of the menu (any other page draws it with nothing marked)."""
    current = path if any(href == path for _, href in menu["items"]) else None
    drawn = menu.setdefault("html", {})
    if current not in drawn:
        drawn[current] = format_html_join(
            "\n",
            '<li class="nav-item"><a class="nav-link{}"{} href="{}">{}</a></li>',
            (
                (
                    " active" if href == current else "",
                    SafeString(' aria-current="page"') if href == current else "",
                    href,
                    label,
                )
                for label, href in menu["items"]
            ),
        )
    return drawn[current]


def _items(manages: bool, is_staff_member: bool, is_admin: bool) -> list[tuple[str, str]]:
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
    if is_admin:
        items.append(("Admin", reverse("admin:index")))
    return items
