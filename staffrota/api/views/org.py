"""Homes, units, job roles and staff: read only."""

from collections import defaultdict

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response

from staffrota.api import queries
from staffrota.api.models import ApiToken
from staffrota.api.serializers import (
    HomeSerializer,
    JobRoleSerializer,
    OrgFilter,
    StaffSerializer,
    UnitSerializer,
)
from staffrota.api.views.base import ApiDetailView, ApiListView, ApiView
from staffrota.organisation.models import JobRole, ShiftType
from staffrota.rota.grid_cache import version_keys


class HomeContextMixin:
    serializer_class = HomeSerializer

    def get_queryset(self):
        return queries.homes_visible(self.request.access).order_by("name")

    def get_serializer_context(self):
        context = super().get_serializer_context()
        by_home = defaultdict(list)
        for shift_type in ShiftType.objects.filter(care_home_id__in=self.request.access.home_ids):
            by_home[shift_type.care_home_id].append(shift_type)
        return {**context, "shift_types": by_home}


class HomeList(HomeContextMixin, ApiListView):
    """Care homes you may see, each with its shift types and pay settings."""

    def cache_version_keys(self) -> list[str]:
        return version_keys(homes=self.request.access.home_ids)


class HomeDetail(HomeContextMixin, ApiDetailView):
    lookup_url_kwarg = "home_id"


class UnitList(ApiListView):
    """Units you may see; filter by home."""

    serializer_class = UnitSerializer
    filter_serializer = OrgFilter

    def get_queryset(self):
        units = queries.units_visible(self.request.access).order_by("care_home_id", "name")
        if "home" in self.filters():
            units = units.filter(care_home_id=self.filters()["home"])
        return units

    @extend_schema(parameters=[OrgFilter])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class UnitDetail(ApiDetailView):
    serializer_class = UnitSerializer
    lookup_url_kwarg = "unit_id"

    def get_queryset(self):
        return queries.units_visible(self.request.access)


class JobRoleList(ApiListView):
    """The job roles a shift may ask for (shared by every home)."""

    serializer_class = JobRoleSerializer

    def get_queryset(self):
        return JobRole.objects.order_by("rank", "name")


class StaffList(ApiListView):
    """Staff of your units (managers), or yourself (staff); filter by home and home unit."""

    serializer_class = StaffSerializer
    filter_serializer = OrgFilter

    def get_queryset(self):
        people = queries.staff_visible(self.request.access).select_related("user", "job_role")
        filters = self.filters()
        if "home" in filters:
            people = people.filter(care_home_id=filters["home"])
        if "unit" in filters:
            people = people.filter(home_unit_id=filters["unit"])
        return people.order_by("sap_number")

    def cache_version_keys(self) -> list[str]:
        # Staff records and their users' names replace their home's version.
        return version_keys(homes=self.request.access.home_ids)

    @extend_schema(parameters=[OrgFilter])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class StaffDetail(ApiDetailView):
    serializer_class = StaffSerializer
    lookup_url_kwarg = "staff_id"

    def get_queryset(self):
        return queries.staff_visible(self.request.access).select_related("user", "job_role")


class Me(ApiView):
    """Who the token (or session) acts for, and what it may see and do."""

    @extend_schema(
        responses=inline_serializer(
            "Me",
            {
                "username": serializers.CharField(),
                "role": serializers.CharField(),
                "homes": serializers.ListField(child=serializers.IntegerField()),
                "units": serializers.ListField(child=serializers.IntegerField()),
                "staff": serializers.IntegerField(allow_null=True),
                "manages": serializers.BooleanField(),
                "token": serializers.CharField(allow_null=True),
                "token_scope": serializers.CharField(allow_null=True),
            },
        )
    )
    def get(self, request):
        token = request.auth if isinstance(request.auth, ApiToken) else None
        access = request.access
        return Response(
            {
                "username": request.user.username,
                "role": request.user.role,
                "homes": list(access.home_ids),
                "units": list(access.unit_ids),
                "staff": access.staff_id,
                "manages": access.manages,
                "token": token.name if token else None,
                "token_scope": token.scope if token else None,
            }
        )
