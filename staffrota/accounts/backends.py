"""Signing in with a SAP number and password, and finding the signed-in user on each page."""

from django.contrib.auth.backends import ModelBackend

from staffrota.accounts.access import user_cached


class AccountBackend(ModelBackend):
    """Django's ModelBackend, except that the user behind a session is read from the cache
    (under the access version, which any save of a user replaces) instead of the database
    on every request. A changed password, role or deactivation therefore applies on the
    next request, as before: the session's password hash is still checked against the
    user read here."""

    def get_user(self, user_id):
        user = user_cached(user_id, lambda: super(AccountBackend, self).get_user(user_id))
        return user if user is not None and self.user_can_authenticate(user) else None
