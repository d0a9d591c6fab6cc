"""Sessions in the cache, read in one round trip with the signed-in user and their access.

Every signed-in page reads its session, then (knowing the user's id from it) the user and
their access: two round trips to Redis before the page's own. Kept under keys named by the
session instead of the user, the user and access entries are read with the session itself
(`access.session_keys`), and `access.user_cached` and `access.access_for` take them from
there. They are stamped with the access version like the entries by user id, so a saved
user, role, assignment, unit or home applies on the next request; a new session (every
login rotates the key) starts with none, and a flushed session finds nothing to sign in.
"""

from django.contrib.sessions.backends.cache import SessionStore as CacheSessionStore

from staffrota.accounts import access


class SessionStore(CacheSessionStore):
    def __init__(self, session_key=None):
        super().__init__(session_key)
        access.session_loaded(None)  # nothing of an earlier request's session carries over

    def load(self):
        session_key = self.session_key
        keys = [self.cache_key, *access.session_keys(session_key)]
        try:
            found = self._cache.get_many(keys)
        except Exception:  # as Django's: a key the cache refuses resets the session
            found = {}
        session_data = found.pop(self.cache_key, None)
        if session_data is not None:
            access.session_loaded(session_key, found)
            return session_data
        self._session_key = None
        return {}
