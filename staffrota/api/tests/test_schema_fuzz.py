"""Schemathesis fuzzes every operation of the OpenAPI schema against the WSGI app, with a
write token of a seeded home's manager: no 500s, and every response matches the schema.

Examples are capped per operation so the suite stays quick; CI runs this on both databases.
"""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from staffrota.api.models import TokenScope
from staffrota.api.tokens import api_token_create

EXAMPLES_PER_OPERATION = 12


@pytest.fixture
def _keep_test_connection():
    """Schemathesis calls the WSGI app directly, so Django's request signals would close the
    database connection mid-test (on PostgreSQL, the test's transaction with it). Django's
    own test client disconnects them the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def api_token(home_a, home_b, settings, _keep_test_connection):
    settings.API_THROTTLE_RATE = "100000/min"
    _, raw = api_token_create(user=home_a.manager, name="fuzz", scope=TokenScope.WRITE)
    return raw


# Loaded at collection: the schema view reads no database. (schemathesis' from_fixture
# loader does not work with pytest 9 yet.)
schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", get_wsgi_application())


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_api_operation_matches_schema(case, api_token):
    case.call_and_validate(
        headers={"Authorization": f"Bearer {api_token}"},
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
            negative_data_rejection,
        ],
    )
