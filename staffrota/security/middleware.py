from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject, CSPMiddleware
from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import LazyObject, empty
from django.utils.http import urlencode
from django_otp.middleware import OTPMiddleware as DjangoOTPMiddleware

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


# What a view or template may set to change a response's policy (django-csp's decorators).
_OVERRIDES = frozenset(
    f"_csp_{what}{ro}" for what in ("config", "update", "replace", "exempt") for ro in ("", "_ro")
)


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, with the headers built once per process for the usual case.

    A response with no per-view override, to a request that used no nonce, gets the same
    policy every time; building it from the settings was about 6 % of a cached page's CPU
    in the load test's profile (bench/load/README.md). Our pages use neither overrides nor
    nonces (settings.py); any response that does is built by django-csp as before.
    """

    def __init__(self, get_response):
        super().__init__(get_response)
        self._plain = None  # ((policy settings, report-only settings), headers)

    def process_response(self, request, response):
        policies = (
            getattr(settings, "CONTENT_SECURITY_POLICY", None),
            getattr(settings, "CONTENT_SECURITY_POLICY_REPORT_ONLY", None),
        )
        cached = self._plain
        # The same policy settings as when the header was kept (checked by identity).
        same = cached is not None and cached[0][0] is policies[0] and cached[0][1] is policies[1]
        plain = not (
            settings.DEBUG
            or getattr(request, "_csp_nonce", None) is not None
            or not _OVERRIDES.isdisjoint(response.__dict__)  # set by a decorator, if at all
            or HEADER in response
            or HEADER_REPORT_ONLY in response
            # Kept headers are only ever of policies without exclusions.
            or (not same and any((p or {}).get("EXCLUDE_URL_PREFIXES") for p in policies))
        )
        if not plain:
            return super().process_response(request, response)
        if not same:
            response = super().process_response(request, response)
            headers = {h: response[h] for h in (HEADER, HEADER_REPORT_ONLY) if h in response}
            self._plain = (policies, headers)
            return response
        for header, value in cached[1].items():
            response[header] = value
        # As django-csp does: a nonce asked for after the header is written is an error.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response


class OTPMiddleware(DjangoOTPMiddleware):
    """django-otp's middleware, with the signed-in user behind one lazy wrapper, not two.

    django-otp wraps Django's lazy user in a second lazy object; every `request.user.x`
    on a page then goes through both (about 4 % of a cached page's CPU in the load
    test's profile). Unwrapping Django's when the outer one is first used keeps the user
    lazy and the device check exactly as django-otp does it.
    """

    def _verify_user_sync(self, request, user):
        if isinstance(user, LazyObject):
            if user._wrapped is empty:
                user._setup()
            user = user._wrapped
        return super()._verify_user_sync(request, user)
