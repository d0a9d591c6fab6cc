"""The tenancy wall: every row a care home owns carries `care_home` and is read through a
manager that refuses to run unless a scope says which homes the caller may see.

`TenancyMiddleware` opens the scope for each request; jobs and commands open it
explicitly with `scope(care_home=[...])` or, for whole-system work, `scopes_disabled()`.
A scope value is always a list of home ids: django-scopes treats `None` as "no filter",
so `home_scope()` refuses it rather than leak every home.
"""

from collections.abc import Iterable
from contextlib import contextmanager

from django.db import models
from django_scopes import ScopedManager, scope, scopes_disabled  # noqa: F401 (re-exported)


def HomeScopedManager(field: str = "care_home"):  # noqa: N802 (a manager factory)
    """A manager whose queries are filtered to the active scope's care homes."""
    return ScopedManager(care_home=field)


@contextmanager
def home_scope(home_ids: Iterable[int]):
    """Run the block seeing only these homes' rows."""
    if home_ids is None:
        raise ValueError("home_scope needs a list of home ids; None would lift the wall.")
    with scope(care_home=list(home_ids)):
        yield


class HomeOwned(models.Model):
    """Abstract base for rows that belong to one care home."""

    care_home = models.ForeignKey(
        "organisation.CareHome", on_delete=models.PROTECT, related_name="+", db_index=True
    )

    objects = HomeScopedManager()

    class Meta:
        abstract = True
