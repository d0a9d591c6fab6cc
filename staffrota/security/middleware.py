from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode

from staffrota.security.twofactor import OFF, SESSION_KEY, SETUP, VERIFY, two_factor_state

# Paths that must answer before the second factor: the factor pages themselves, logging
# out, and what monitors and browsers fetch without a person.
_OPEN_PREFIXES = ("/static/", "/healthz", "/metrics", "/favicon.ico")


class TwoFactorMiddleware:
    """Holds a logged-in user at the code (or set-up) page until the second factor is done.

    The decision is taken once at login and kept in the session, so ordinary requests cost
    no query.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if not user.is_authenticated or getattr(user, "is_verified", lambda: False)():
            return self.get_response(request)
        state = request.session.get(SESSION_KEY)
        if state is None:
            state = request.session[SESSION_KEY] = two_factor_state(user)
        if state == OFF or request.path.startswith(_OPEN_PREFIXES):
            return self.get_response(request)
        target = reverse("two_factor_verify" if state == VERIFY else "two_factor_setup")
        allowed = {target, reverse("logout")}
        if state == SETUP:
            allowed.add(reverse("two_factor_setup"))
        if request.path in allowed:
            return self.get_response(request)
        return redirect(f"{target}?{urlencode({'next': request.get_full_path()})}")
