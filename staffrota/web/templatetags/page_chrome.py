"""The head and header of every page (base.html), each rendered once and then reused.

The stylesheets and htmx lines are the same on every page, and the header (menu, name,
role, links) the same on every page a person opens but for the CSRF token of its log-out
form. Rendered from the template on each request they were about a third of a cached
page's template work (bench/load/README.md). Here each fragment is rendered from its own
template (web/_page_head.html, web/_page_header.html) once per process and kind of page,
and only the token is put in per request: the page is the same, byte for byte.
"""

from django import template
from django.conf import settings
from django.template.loader import render_to_string
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

from staffrota.ops.memo import ProcessMemo

register = template.Library()

# Stands for the token while the header is kept: letters and digits, like a real token, so
# escaping leaves both alike.
_TOKEN = "csrfTokenGoesHere0"  # noqa: S105 - a placeholder, not a secret
_NOT_PROVIDED = "NOTPROVIDED"  # noqa: S105 - what Django's csrf context gives without a request
_HEADS = ProcessMemo(most=16)
_HEADERS = ProcessMemo(most=10_000)  # names x pages x menus


def _fragment(name: str, context: dict) -> str:
    # Each fragment's file ends with a newline that base.html already has after the tag.
    return render_to_string(name, context).removesuffix("\n")


@register.simple_tag
def page_head() -> SafeString:
    key = (settings.STATIC_URL, settings.DEBUG)  # what the addresses and htmx's script follow
    head = _HEADS.get(key)
    if head is None:
        head = _HEADS.keep(key, mark_safe(_fragment("web/_page_head.html", {})))  # noqa: S308
    return head


@register.simple_tag(takes_context=True)
def page_header(context) -> SafeString:
    user = context.get("user")
    signed_in = user is not None and user.is_authenticated
    links = context.get("nav_links") or {}
    values = {"signed_in": signed_in, "nav_links": links}
    if signed_in:
        request = context.get("request")
        access = getattr(request, "access", None)
        values.update(
            display_name=user.get_full_name() or user.username,
            manages=bool(access is not None and access.manages),
        )
        # Only what the context has: a missing value draws as nothing, as in a template.
        values.update(
            {name: context[name] for name in ("role_label", "nav_html") if name in context}
        )
    token = context.get("csrf_token")
    if signed_in and (not token or token == _NOT_PROVIDED):
        # No token to put in (a page rendered outside a request): drawn as it stands.
        drawn = _fragment("web/_page_header.html", {**values, "csrf_token": token})
        return mark_safe(drawn)  # noqa: S308 - rendered from our template, escaped there
    # Spelt out rather than built by generators: this runs on every page.
    get = values.get
    key = (
        signed_in,
        links.get("home"),
        links.get("audit_log"),
        links.get("security"),
        links.get("logout"),
        get("display_name"),
        get("role_label"),
        get("manages"),
        get("nav_html"),
    )
    parts = _HEADERS.get(key)
    if parts is None:
        drawn = _fragment("web/_page_header.html", {**values, "csrf_token": _TOKEN})
        before, _, after = drawn.partition(_TOKEN)
        parts = _HEADERS.keep(key, (before, after))
    if not signed_in:
        return mark_safe(parts[0])  # noqa: S308 - rendered from our template, escaped there
    # Escaped as {% csrf_token %} escapes it (a token is letters and digits: unchanged).
    return mark_safe(f"{parts[0]}{conditional_escape(token)}{parts[1]}")  # noqa: S308
