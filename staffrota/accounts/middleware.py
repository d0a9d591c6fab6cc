"""Opens the tenancy scope for every request.

Each request runs inside `scope(care_home=<the homes this user may see>)`, so a view that
forgets to filter still cannot read another home's rows, and a lookup of another home's
object by id finds nothing and answers 404. Anonymous users see no home at all.
"""

import time
from functools import cache, partial

from django.conf import settings
from django.contrib import auth
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.middleware import AuthenticationMiddleware as DjangoAuthMiddleware
from django.contrib.auth.middleware import auser
from django.contrib.auth.models import AnonymousUser
from django.utils.crypto import constant_time_compare
from django.utils.functional import LazyObject, SimpleLazyObject, empty
from django.utils.module_loading import import_string

from staffrota.accounts.access import access_and_version
from staffrota.ops.memo import ProcessMemo
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


class AuthenticationMiddleware(DjangoAuthMiddleware):
    """Django's, finding the signed-in user in fewer steps: the backend class and the user
    model's key field are looked up once per process, not on every request, and the
    session's password hash is computed once per password and secret (`_session_hash`).

    The decisions are Django's (`django.contrib.auth.get_user`): an unknown backend or a
    missing user signs nobody in, and a session whose hash does not match the current
    secret's is handed to Django's own `get_user`, which tries the fallback secrets and
    rotates, or flushes the session.
    """

    def process_request(self, request):
        if not hasattr(request, "session"):
            return super().process_request(request)  # Django's error: no session middleware
        request.user = SimpleLazyObject(partial(_cached_user, request))
        request.auser = partial(auser, request)
        return None


def _cached_user(request):
    # As Django's middleware: `_cached_user` is where login and logout look.
    if not hasattr(request, "_cached_user"):
        request._cached_user = _signed_in_user(request)
    return request._cached_user


def _signed_in_user(request):
    session = request.session
    try:
        user_id = _user_key_field(settings.AUTH_USER_MODEL).to_python(session[SESSION_KEY])
        backend_path = session[BACKEND_SESSION_KEY]
    except KeyError:
        return AnonymousUser()
    if backend_path not in settings.AUTHENTICATION_BACKENDS:
        return AnonymousUser()
    user = _backend_class(backend_path)().get_user(user_id)
    if user is None:
        return AnonymousUser()
    if not hasattr(user, "get_session_auth_hash"):
        return user
    session_hash = session.get(HASH_SESSION_KEY)
    if session_hash and constant_time_compare(session_hash, _session_hash(user)):
        return user
    # Not the current secret's hash: Django decides (fallback secrets, rotation, flush).
    return auth.get_user(request)


@cache
def _user_key_field(model_name: str):
    return auth.get_user_model()._meta.pk


@cache
def _backend_class(path: str) -> type:
    return import_string(path)  # Django's load_backend, without the per-request import


# The session hash is an HMAC of the password hash under the secret key: the same inputs
# give the same hash, so it is computed once per (user class, password hash, secret).
_SESSION_HASHES = ProcessMemo(most=10_000)


def _session_hash(user) -> str:
    key = (type(user), user.password, settings.SECRET_KEY)
    found = _SESSION_HASHES.get(key)
    if found is None:
        found = _SESSION_HASHES.keep(key, user.get_session_auth_hash())
    return found
