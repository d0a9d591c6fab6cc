import hashlib

from django.utils import timezone
from rest_framework import generics, serializers, views
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response

from staffrota.api.authentication import TenantScopedMixin
from staffrota.rota.grid_cache import kept

# The backstop only: every change a list shows replaces one of its versions at once.
LIST_TIMEOUT = 10 * 60

# One filter serializer per class per process, its fields built once. A serializer built
# for each request deep-copies and binds every declared field first: three quarters of the
# ~650 Python calls of reading a shift list's filters. Validating reads the fields and
# changes nothing on them or on the serializer (run_validation, not is_valid, which would
# store the data and errors on it), so threads can share one.
_filter_parsers: dict[type, serializers.Serializer] = {}


def filters_validate(serializer_class: type[serializers.Serializer], query_params) -> dict:
    """The validated query filters; a bad one raises the ValidationError `is_valid` would."""
    parser = _filter_parsers.get(serializer_class)
    if parser is None:
        parser = serializer_class()
        parser.fields  # noqa: B018 (built before the parser is shared)
        _filter_parsers[serializer_class] = parser
    # A plain dict, so an empty value is refused rather than read as "no filter".
    data = query_params.dict()
    try:
        return parser.run_validation(data)
    except ValidationError as exc:
        # is_valid(raise_exception=True) raises anew with the same detail.
        raise ValidationError(exc.detail) from None


class ApiView(TenantScopedMixin, views.APIView):
    """Base of every API view that reads home data."""


class ApiListView(TenantScopedMixin, generics.ListAPIView):
    filter_serializer = None
    # True where the list depends on nothing of the user but their access (`Access`): the
    # users and tokens that see exactly the same then share one kept page.
    cache_by_access = False

    def filters(self) -> dict:
        """The validated query filters; a bad one answers 400 naming it."""
        if not hasattr(self, "_filters"):
            self._filters = filters_validate(self.filter_serializer, self.request.query_params)
        return self._filters

    def cache_version_keys(self) -> list[str] | None:
        """The keys of the versions (rota.grid_cache.version_keys) of everything this list
        shows, or None for a list that is built afresh every time."""
        return None

    def list(self, request, *args, **kwargs):
        # Integrations poll the same lists again and again: a page is kept until something
        # on it changes. The key names the user, what they may see and the exact request,
        # so nobody is given a page built for someone else. Permissions and throttling have
        # run already (in `initial`); a refused or invalid request raises and is never kept.
        version_keys = self.cache_version_keys()
        if version_keys is None:
            return self._list()
        who = (
            type(self).__name__,
            None if self.cache_by_access else request.user.pk,
            None if self.cache_by_access else request.user.role,
            repr(request.access),  # every field; astuple deep-copied each id (~6 % of a list)
            request.scheme,
            request.get_host(),
            request.get_full_path(),
            timezone.localdate().isoformat(),
        )
        key = "api:list:" + hashlib.sha256(f"{who}".encode()).hexdigest()
        # The versions and the page in one round trip; a page built under older versions
        # is built again.
        return Response(kept(version_keys, key, lambda: self._list().data, LIST_TIMEOUT))

    def rows(self, queryset):
        """What a page is cut from: the queryset, or a lighter form of it for `represent`."""
        return queryset

    def represent(self, rows) -> list:
        """The JSON of a page's rows: the serializer's, unless a list builds it itself."""
        return self.get_serializer(rows, many=True).data

    def _list(self) -> Response:
        # ListModelMixin.list, with `rows` and `represent` in place of the serializer.
        rows = self.rows(self.filter_queryset(self.get_queryset()))
        page = self.paginate_queryset(rows)
        if page is not None:
            return self.get_paginated_response(self.represent(page))
        return Response(self.represent(rows))


class ApiDetailView(TenantScopedMixin, generics.RetrieveAPIView):
    pass
