"""Counting the queries of a request, for the tests that hold them constant in data size."""

from contextlib import contextmanager

from django.db import connection
from django.test.utils import CaptureQueriesContext

from staffrota.accounts.access import access_changed


@contextmanager
def count_queries():
    """Capture the queries of what runs inside, with the user's access resolved afresh as on
    a first visit: access is cached per user and any new row of staff or units refreshes it,
    so without this a count would differ by whether the test happened to add staff."""
    access_changed()
    with CaptureQueriesContext(connection) as queries:
        yield queries
