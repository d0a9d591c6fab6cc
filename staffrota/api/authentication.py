"""Bearer tokens, and the tenancy scope for the requests they authenticate.

DRF authenticates inside the view, after `TenancyMiddleware` has opened a scope for an
anonymous user (no homes). `TenantScopedMixin` therefore resolves the token's user's
access and opens their scope itself, for the rest of the view.
"""

from contextlib import ExitStack
from datetime import timedelta

from django.core.cache import cache
from django.utils import timezone
from rest_framework import HTTP_HEADER_ENCODING, authentication, exceptions

from staffrota.accounts.access import access_cached_for_user, access_for
from staffrota.api.models import ApiToken, token_digest
from staffrota.tenancy import home_scope

# A token's last use is written at most this often, not on every request.
LAST_USED_GRANULARITY = timedelta(minutes=5)


class TokenAuthentication(authentication.BaseAuthentication):
    keywords = ("bearer", "token")

    def authenticate(self, request):
        header = _authorization_header(request).split()
        if not header or header[0].decode(errors="replace").lower() not in self.keywords:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                "Send the token as 'Authorization: Bearer <token>', with no spaces in it."
            )
        raw = header[1].decode(errors="replace")
        digest = token_digest(raw)
        # Every API request asks; kept under the access version, which any save of a token
        # or a user replaces, so a revoked token or a disabled account stops at once.
        key = f"api:token:{digest}"
        # The token's user's access (`access_for` in TenantScopedMixin) is read in the same
        # round trip, kept under the token: one Redis round trip authenticates and scopes.
        token = access_cached_for_user(
            key,
            lambda: ApiToken.objects.select_related("user").filter(digest=digest).first(),
            access_key=f"access:token:{digest}",
            user_of=lambda token: token.user,
        )
        if token is None or not token.is_live:
            raise exceptions.AuthenticationFailed(
                "This token is not valid: it is mistyped, revoked or expired. "
                "Ask an admin for a new one."
            )
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed("The account this token acts for is disabled.")
        now = timezone.now()
        if token.last_used_at is None or now - token.last_used_at > LAST_USED_GRANULARITY:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
            cache.delete(key)  # read afresh next time, with this use on it
        return token.user, token

    def authenticate_header(self, request) -> str:
        return 'Bearer realm="api"'


def _authorization_header(request) -> bytes:
    """DRF's `get_authorization_header`, reading the one META entry: `request.headers`,
    which it reads, is built from every META entry on first use (~50 Python calls a
    request, and nothing else of an API request needs it). The same value either way."""
    value = request.META.get("HTTP_AUTHORIZATION", b"")
    if isinstance(value, str):  # as DRF: the test client's header can be text
        value = value.encode(HTTP_HEADER_ENCODING)
    return value


class TenantScopedMixin:
    """Every API view: a token-authenticated request runs in its user's homes' scope."""

    def dispatch(self, request, *args, **kwargs):
        self._tenant_scope = ExitStack()
        with self._tenant_scope:
            return super().dispatch(request, *args, **kwargs)

    def perform_authentication(self, request):
        super().perform_authentication(request)
        if isinstance(request.auth, ApiToken):
            # A session user's access and scope were set by TenancyMiddleware already.
            access = access_for(request.user)
            request._request.access = access
            self._tenant_scope.enter_context(home_scope(access.home_ids))
