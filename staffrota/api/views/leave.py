"""Leave requests: read, and ask for leave (staff for themselves, managers for their staff)."""

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from staffrota.api import queries
from staffrota.api.serializers import LeaveCreateSerializer, LeaveFilter, LeaveRequestSerializer
from staffrota.api.views.base import ApiDetailView, ApiListView
from staffrota.leave.services import leave_request_submit
from staffrota.rota.grid_cache import version_keys

# What the list shows of a request, read as columns: each row built as a model instance and
# then serialized field by field cost most of the list's Python calls, and the list is
# built again after every leave change in the units it covers.
_LEAVE_COLUMNS = (
    "pk",
    "care_home_id",
    "staff_id",
    "leave_type",
    "start_date",
    "end_date",
    "hours",
    "comment",
    "status",
    "created_at",
    "decided_at",
    "decision_note",
)
_FIELDS = LeaveRequestSerializer().fields


def leave_json(row: tuple) -> dict:
    """One request of `_LEAVE_COLUMNS` as `LeaveRequestSerializer` gives it."""
    pk, home, staff, kind, first, last, hours, comment, status, created, decided, note = row
    return {
        "id": pk,
        "home": home,
        "staff": staff,
        "leave_type": _FIELDS["leave_type"].to_representation(kind),
        "start_date": _FIELDS["start_date"].to_representation(first),
        "end_date": _FIELDS["end_date"].to_representation(last),
        "hours": _FIELDS["hours"].to_representation(hours),
        "comment": comment,
        "status": _FIELDS["status"].to_representation(status),
        "created_at": _FIELDS["created_at"].to_representation(created),
        "decided_at": None if decided is None else _FIELDS["decided_at"].to_representation(decided),
        "decision_note": note,
    }


class LeaveListCreate(ApiListView):
    """Leave requests of your units' staff (managers) or your own (staff)."""

    serializer_class = LeaveRequestSerializer
    filter_serializer = LeaveFilter

    def get_queryset(self):
        filters = self.filters()
        requests = queries.leave_visible(self.request.access)
        if "date_from" in filters:
            requests = requests.filter(end_date__gte=filters["date_from"])
        if "date_to" in filters:
            requests = requests.filter(start_date__lte=filters["date_to"])
        for name, field in (
            ("home", "care_home_id"),
            ("unit", "staff__home_unit_id"),
            ("staff", "staff_id"),
            ("status", "status"),
        ):
            if name in filters:
                requests = requests.filter(**{field: filters[name]})
        return requests.order_by("-start_date", "pk")

    def rows(self, queryset):
        return queryset.values_list(*_LEAVE_COLUMNS)

    def represent(self, rows) -> list:
        return [leave_json(row) for row in rows]

    def cache_version_keys(self) -> list[str]:
        # Leave or sickness replaces the version of the person and of their home unit.
        access = self.request.access
        if not access.manages:
            return version_keys(homes=access.home_ids, people=[access.staff_id or 0])
        return version_keys(absences=access.unit_ids, homes=access.home_ids)

    @extend_schema(parameters=[LeaveFilter])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(request=LeaveCreateSerializer, responses={201: LeaveRequestSerializer})
    def post(self, request):
        """Ask for leave: decided by the same engine as the web page (approved at once when
        every rule passes, otherwise waiting for a manager with the impact analysis)."""
        parser = LeaveCreateSerializer(data=request.data)
        parser.is_valid(raise_exception=True)
        data = parser.validated_data
        access = request.access
        staff_id = data.get("staff") or access.staff_id
        if not access.manages and staff_id != access.staff_id:
            raise serializers.ValidationError({"staff": "You may only ask for your own leave."})
        if staff_id is None:
            raise serializers.ValidationError({"staff": "Name the staff member the leave is for."})
        staff = queries.staff_visible(access).select_related("user").filter(pk=staff_id).first()
        if staff is None:
            raise serializers.ValidationError({"staff": f"No staff member {staff_id} of yours."})
        leave = leave_request_submit(
            staff=staff,
            leave_type=data["leave_type"],
            start=data["start_date"],
            end=data["end_date"],
            actor=request.user,
            part_day_hours=data.get("part_day_hours"),
            comment=data.get("comment", ""),
        )
        return Response(LeaveRequestSerializer(leave).data, status=status.HTTP_201_CREATED)


class LeaveDetail(ApiDetailView):
    serializer_class = LeaveRequestSerializer
    lookup_url_kwarg = "leave_id"

    def get_queryset(self):
        return queries.leave_visible(self.request.access)

    def get_object(self):
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["leave_id"])
