"""List filters read by one shared serializer per class: the same values and the same
errors as a serializer built for the request (`is_valid(raise_exception=True)`)."""

import pytest
from django.http import QueryDict
from rest_framework.exceptions import ValidationError

from staffrota.api.serializers import LeaveFilter, OrgFilter, PayrollFilter, ShiftFilter
from staffrota.api.views.base import filters_validate

QUERIES = [
    "",
    "home=3",
    "home=0",
    "home=",
    "home=x&unit=-1",
    "unit=7&home=2",
    "date_from=2026-01-01",
    "date_from=2026-01-01&date_to=2025-12-01",
    "date_from=2026-01-01&date_to=2026-12-31",
    "date_from=1999-12-31",
    "date_from=not-a-date&date_to=2026-01-02",
    "date_to=2026-02-30",
    "status=vacant",
    "status=bogus",
    "vacant=true",
    "vacant=maybe",
    "vacant=",
    "staff=4&status=approved",
    "home=1&home=2",
    "unknown=1",
    "home=%00",
]


def _built_per_request(serializer_class, query_params):
    parser = serializer_class(data=query_params.dict())
    parser.is_valid(raise_exception=True)
    return parser.validated_data


def _outcome(read, serializer_class, query_params):
    try:
        return "ok", read(serializer_class, query_params)
    except ValidationError as exc:
        return "invalid", exc.detail, exc.get_codes()


@pytest.mark.parametrize("serializer_class", [ShiftFilter, LeaveFilter, OrgFilter, PayrollFilter])
def test_shared_filter_parsers_answer_as_a_serializer_per_request_does(serializer_class):
    for query in QUERIES * 2:  # a second time: nothing of one request stays for the next
        params = QueryDict(query)
        expected = _outcome(_built_per_request, serializer_class, params)
        assert _outcome(filters_validate, serializer_class, params) == expected, query
