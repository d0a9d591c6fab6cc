"""Opens the tenancy scope for every request.

Each request runs inside `scope(care_home=<the homes this user may see>)`, so a view that
forgets to filter still cannot read another home's rows, and a lookup of another home's
object by id finds nothing and answers 404. Anonymous users see no home at all.
"""

import time

from django.conf import settings
from django.utils.functional import LazyObject, empty

from staffrota.accounts.access import access_and_version
from staffrota.tenancy import home_scope


class TenancyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # Resolving the access reads the user whatever happens, so it is read here: from now
        # on the access, pages, templates and the middleware below use the user itself
        # rather than the lazy wrapper, each of whose attribute reads cost two Python calls
        # (over a hundred a page).
        user = request.user
        if isinstance(user, LazyObject):
            if user._wrapped is empty:
                user._setup()
            user = request.user = user._wrapped
        request.access, request.access_version = access_and_version(user)
        with home_scope(request.access.home_ids):
            return self.get_response(request)


class SessionRenewalMiddleware:
    """Moves the two-hour idle logout on with activity, writing the session at most once a
    minute instead of on every request (SESSION_SAVE_EVERY_REQUEST): one write per page view
    was the largest fixed cost the load test found (bench/load/README.md). The logout can
    come up to SESSION_RENEW_SECONDS early, never late. Sits below SessionMiddleware, so the
    session it marks is saved on the way out."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is not None and session.get("_auth_user_id"):
            now = int(time.time())
            if now - session.get("_renewed", 0) >= settings.SESSION_RENEW_SECONDS:
                session["_renewed"] = now  # modified: saved with a fresh expiry
        return response


def session_renewed_at_login(sender, request, user, **kwargs):
    """Logging in has just saved the session with a fresh expiry: the clock starts there."""
    if getattr(request, "session", None) is not None:
        request.session["_renewed"] = int(time.time())
