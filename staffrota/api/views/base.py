from rest_framework import generics, views

from staffrota.api.authentication import TenantScopedMixin


class ApiView(TenantScopedMixin, views.APIView):
    """Base of every API view that reads home data."""


class ApiListView(TenantScopedMixin, generics.ListAPIView):
    filter_serializer = None

    def filters(self) -> dict:
        """The validated query filters; a bad one answers 400 naming it."""
        if not hasattr(self, "_filters"):
            # A plain dict, so an empty value is refused rather than read as "no filter".
            parser = self.filter_serializer(data=self.request.query_params.dict())
            parser.is_valid(raise_exception=True)
            self._filters = parser.validated_data
        return self._filters


class ApiDetailView(TenantScopedMixin, generics.RetrieveAPIView):
    pass
