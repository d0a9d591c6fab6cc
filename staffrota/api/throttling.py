from django.conf import settings
from rest_framework.throttling import SimpleRateThrottle

from staffrota.api.models import ApiToken


class ClientRateThrottle(SimpleRateThrottle):
    """A budget per token (each integration its own), or per user signed in on the web."""

    scope = "client"

    def get_rate(self):
        return settings.API_THROTTLE_RATE  # read each time so settings can change in tests

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiToken):
            return f"throttle_token_{request.auth.pk}"
        if request.user and request.user.is_authenticated:
            return f"throttle_user_{request.user.pk}"
        return None


class AnonymousRateThrottle(SimpleRateThrottle):
    scope = "anonymous"

    def get_rate(self):
        return settings.API_ANON_THROTTLE_RATE

    def get_cache_key(self, request, view):
        if request.user and request.user.is_authenticated:
            return None
        return f"throttle_anon_{self.get_ident(request)}"
