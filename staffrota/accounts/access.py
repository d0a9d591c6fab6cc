"""What a user may see: the one place that turns a role and assignments into homes and units.

Views, exports, dashboards, the API and jobs all ask here; nothing else decides scope.
"""

import uuid
from contextvars import ContextVar
from dataclasses import astuple, dataclass

from django.core.cache import cache
from django.db import transaction
from django_scopes import scopes_disabled

from staffrota.accounts.models import Role, User


@dataclass(frozen=True)
class Access:
    """The homes and units one user may see, resolved once per request."""

    home_ids: tuple[int, ...] = ()
    unit_ids: tuple[int, ...] = ()
    staff_id: int | None = None  # set for staff: the only person they see
    manages: bool = False
    all_homes: bool = False

    def sees_home(self, home_id: int) -> bool:
        return home_id in self.home_ids

    def sees_unit(self, unit_id: int) -> bool:
        return unit_id in self.unit_ids


NO_ACCESS = Access()


# Every request asks; the answer changes only when a role, an assignment, a staff record,
# a unit or a home changes. It is cached per user under a version that any such change
# replaces (signals in `connect_signals`), so a withdrawn assignment takes effect on the
# next request. The time-out is a backstop for bulk writes, which call `access_changed`.
ACCESS_TIMEOUT = 10 * 60
_ACCESS_VERSION = "access:ver"


def access_changed(*args, **kwargs) -> None:
    """Forget every cached Access (signal receiver and plain function)."""
    if kwargs.get("raw"):
        return
    _bump()
    # Again after commit, so a request that resolved from the old rows meanwhile is dropped.
    transaction.on_commit(_bump)


def _bump() -> None:
    cache.set(_ACCESS_VERSION, uuid.uuid4().hex, timeout=None)


def access_for(user) -> Access:
    """Resolve the homes and units `user` may see from their role and assignments."""
    return access_and_version(user)[0]


def access_and_version(user) -> tuple[Access, str | None]:
    """`access_for`, with the access version it was read under (None for nobody): a key
    for anything kept while no user, staff record, unit or home changes."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return NO_ACCESS, None
    # One round trip for the version and this user's entry; the entry names the version and
    # the role it was resolved under, so a changed role or any newer change misses it.
    key = getattr(user, "_access_key", None) or f"access:{user.pk}"
    # The signed-in user was read together with this entry (`user_cached`): no second
    # round trip. Used once, so a user object kept longer than its request reads afresh.
    found = getattr(user, "_access_read_with_user", None)
    if found is not None:
        del user._access_read_with_user
    else:
        found = cache.get_many([_ACCESS_VERSION, key])
    version = found.get(_ACCESS_VERSION)
    if version is None:
        version = uuid.uuid4().hex
        cache.set(_ACCESS_VERSION, version, timeout=None)
    stamp = (version, user.role, bool(user.is_superuser))
    cached = found.get(key)
    if cached is not None and tuple(cached[0]) == stamp:
        return Access(*cached[1]), version
    access = _access_resolve(user)
    cache.set(key, (stamp, astuple(access)), timeout=ACCESS_TIMEOUT)
    return access, version


_USER = "auth:user:{}"
# The same entries kept per session (`accounts.sessions`): read with the session itself.
_SESSION_USER = "auth:sessionuser:{}"
_SESSION_ACCESS = "access:session:{}"
# What this request's session load read besides the session: (session key, entries).
_from_session: ContextVar[tuple[str, dict] | None] = ContextVar("from_session", default=None)


def session_keys(session_key: str) -> list[str]:
    """The keys a session's load reads with it: the access version, and the user and
    access entries kept for this session."""
    return [
        _ACCESS_VERSION,
        _SESSION_USER.format(session_key),
        _SESSION_ACCESS.format(session_key),
    ]


def session_loaded(session_key: str | None, found: dict | None = None) -> None:
    """Called by the session store: what it read with the session, for `user_cached`."""
    _from_session.set(None if session_key is None else (session_key, found or {}))


def user_cached(user_id, load):
    """The user behind a session: from the cache while the access version stands (any save
    of a user replaces it), else from `load()`, which reads the database. Their access
    entry comes in the same round trip and rides on the user for `access_for`: with the
    session itself when the session store read them (`accounts.sessions`)."""
    read = _from_session.get()
    if read is not None:
        _from_session.set(None)  # used once, by this request
        session_key, found = read
        user_key, access_key = (
            _SESSION_USER.format(session_key),
            _SESSION_ACCESS.format(session_key),
        )
        user, found = _cached(user_key, load, found=found)
        if user is not None and str(user.pk) == str(user_id):
            _ride_on(user, access_key, found)
            return user
        # A session entry of someone else cannot be (a login rotates the key): read anew.
    access_key = f"access:{user_id}"
    user, found = _cached(_USER.format(user_id), load, also=access_key)
    if user is not None:
        _ride_on(user, access_key, found)
    return user


def access_cached_for_user(key: str, load, *, access_key: str, user_of):
    """What `load()` returns, kept under `key` while the access version stands (for rows
    whose every save replaces that version: API tokens), reading in the same round trip
    the access entry kept under `access_key` (named by what was read, e.g. the token's
    digest) for the user `user_of(value)`; it rides on that user for `access_for`, as
    `user_cached` does. The entry is stamped with the access version like every other, so
    it is never served after a change that would have replaced the user's own."""
    value, found = _cached(key, load, also=access_key)
    user = user_of(value) if value is not None else None
    if user is not None:
        _ride_on(user, access_key, found)
    return value


def _ride_on(user, access_key: str, found: dict) -> None:
    """Leave on the user what was read with them, so `access_for` reads no more: the key
    of their access entry, and that entry and the access version if they were found."""
    user._access_key = access_key
    user._access_read_with_user = {k: found[k] for k in (_ACCESS_VERSION, access_key) if k in found}


def _cached(key: str, load, also: str | None = None, found: dict | None = None):
    if found is None:
        found = cache.get_many([_ACCESS_VERSION, key, *([also] if also else [])])
    version = found.get(_ACCESS_VERSION)
    entry = found.get(key)
    if version is not None and entry is not None and entry[0] == version:
        return entry[1], found
    value = load()
    if value is not None and version is not None:
        # Stamped with the version read before the database: a save meanwhile replaced
        # it, so a user read from before that save is never served again.
        cache.set(key, (version, value), timeout=ACCESS_TIMEOUT)
    return value, found


def _access_resolve(user) -> Access:
    from staffrota.organisation.models import CareHome, StaffMember, Unit

    with scopes_disabled():
        if user.is_superuser or user.role in (Role.HEAD_OF_SERVICE, Role.SYSTEM_ADMIN):
            homes = tuple(CareHome.objects.values_list("pk", flat=True))
            units = tuple(Unit.objects.values_list("pk", flat=True))
            return Access(home_ids=homes, unit_ids=units, manages=True, all_homes=True)
        if user.role == Role.SERVICE_MANAGER:
            homes = tuple(user.managed_homes.values_list("pk", flat=True))
            units = tuple(Unit.objects.filter(care_home__in=homes).values_list("pk", flat=True))
            return Access(home_ids=homes, unit_ids=units, manages=True)
        if user.role == Role.OPERATIONAL_MANAGER:
            pairs = list(user.managed_units.values_list("pk", "care_home_id"))
            units = tuple(pk for pk, _ in pairs)
            homes = tuple(sorted({home for _, home in pairs}))
            return Access(home_ids=homes, unit_ids=units, manages=True)
        member = (
            StaffMember.objects.filter(user=user)
            .values("pk", "care_home_id", "home_unit_id")
            .first()
        )
    if member is None:
        return NO_ACCESS
    return Access(
        home_ids=(member["care_home_id"],),
        unit_ids=(member["home_unit_id"],),
        staff_id=member["pk"],
    )


def is_manager(user: User) -> bool:
    return user.is_authenticated and user.is_manager


def connect_signals() -> None:
    from django.db.models.signals import m2m_changed, post_delete, post_save

    from staffrota.api.models import ApiToken
    from staffrota.organisation.models import CareHome, StaffMember, Unit

    # A token revoked or a new one made: the cached token of each request is read afresh.
    for model in (User, StaffMember, Unit, CareHome, ApiToken):
        post_save.connect(access_changed, sender=model, dispatch_uid=f"access-s-{model.__name__}")
        post_delete.connect(access_changed, sender=model, dispatch_uid=f"access-d-{model.__name__}")
    for through in (User.managed_units.through, User.managed_homes.through):
        uid = f"access-{through.__name__}"
        m2m_changed.connect(access_changed, sender=through, dispatch_uid=uid)
