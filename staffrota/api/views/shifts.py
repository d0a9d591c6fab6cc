"""Shifts: read, create, change and cancel, each change through the rota services."""

from django.db import transaction
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.response import Response

from staffrota.api import queries, shift_weeks
from staffrota.api.permissions import ManagerWritesPermission, TokenScopePermission
from staffrota.api.serializers import (
    ShiftCancelSerializer,
    ShiftCreateSerializer,
    ShiftFilter,
    ShiftSerializer,
    ShiftUpdateSerializer,
)
from staffrota.api.views.base import ApiListView, ApiView
from staffrota.organisation.models import ShiftType, StaffMember
from staffrota.rota.grid_cache import version_keys
from staffrota.rota.models import VACANT, Shift
from staffrota.rota.services import (
    Override,
    shift_assign,
    shift_cancel,
    shift_change_type,
    shift_create,
    shift_unassign,
)

SHIFT_RELATED = ("shift_type", "job_role", "staff__user")


def _override(request, data) -> Override | None:
    reason = data.get("override_reason", "").strip()
    return Override(actor=request.user, reason=reason) if reason else None


def _staff_of_home(staff_id: int, home_id: int) -> StaffMember:
    staff = (
        StaffMember.objects.filter(pk=staff_id, care_home_id=home_id)
        .select_related("user", "job_role")
        .first()
    )
    if staff is None:
        raise serializers.ValidationError({"staff": f"No staff member {staff_id} in this home."})
    return staff


def _shift_type_of_home(type_id: int, home_id: int) -> ShiftType:
    shift_type = ShiftType.objects.filter(pk=type_id, care_home_id=home_id).first()
    if shift_type is None:
        raise serializers.ValidationError(
            {"shift_type": f"No shift type {type_id} in this home; see /api/v1/homes/."}
        )
    return shift_type


# A list of shifts is built from these columns rather than model instances and the
# serializer (a week of a unit is 100-200 shifts): the same JSON, `ShiftSerializer`'s own
# fields formatting the times and hours. tests/test_reads.py holds the two equal.
_SHIFT_COLUMNS = (
    "pk",
    "care_home_id",
    "unit_id",
    "date",
    "starts_at",
    "ends_at",
    "shift_type_id",
    "shift_type__code",
    "job_role__code",
    "staff_id",
    "staff__user__first_name",
    "staff__user__last_name",
    "staff__sap_number",
    "paid_hours",
    "status",
    "source",
    "note",
    "updated_at",
)
_FIELDS = ShiftSerializer().fields


def shift_json(row: tuple) -> dict:
    """One shift of `_SHIFT_COLUMNS` as `ShiftSerializer` gives it."""
    (pk, home, unit, day, starts, ends, type_id, type_code, role, staff, first, last, sap) = row[
        :13
    ]
    paid_hours, status, source, note, updated_at = row[13:]
    name = None
    if staff is not None:
        name = f"{first} {last}".strip() or sap  # as StaffMember.full_name
    return {
        "id": pk,
        "home": home,
        "unit": unit,
        "date": _FIELDS["date"].to_representation(day),
        "starts_at": _FIELDS["starts_at"].to_representation(starts),
        "ends_at": _FIELDS["ends_at"].to_representation(ends),
        "shift_type": type_id,
        "shift_type_code": type_code,
        "job_role": role,
        "staff": staff,
        "staff_name": name,
        "paid_hours": _FIELDS["paid_hours"].to_representation(paid_hours),
        "status": _FIELDS["status"].to_representation(status),
        "source": _FIELDS["source"].to_representation(source),
        "note": note,
        "updated_at": _FIELDS["updated_at"].to_representation(updated_at),
    }


class ShiftListCreate(ApiListView):
    """Shifts on your units (managers) or your own published shifts (staff)."""

    serializer_class = ShiftSerializer
    filter_serializer = ShiftFilter
    permission_classes = [TokenScopePermission, ManagerWritesPermission]
    cache_by_access = True  # shifts_visible(access) and the filters: nothing else

    def get_queryset(self):
        filters = self.filters()
        shifts = queries.shifts_visible(self.request.access).filter(
            date__range=(filters["date_from"], filters["date_to"])
        )
        for name, field in (("home", "care_home_id"), ("unit", "unit_id"), ("staff", "staff_id")):
            if name in filters:
                shifts = shifts.filter(**{field: filters[name]})
        if "status" in filters:
            shifts = shifts.filter(status=filters["status"])
        if filters.get("vacant") is not None:
            shifts = shifts.filter(VACANT) if filters["vacant"] else shifts.exclude(VACANT)
        return shifts.select_related(*SHIFT_RELATED).order_by("starts_at", "pk")

    def _one_unit(self) -> int | None:
        """The unit, when this is a manager's list of one unit of theirs by days and
        nothing else: the list integrations poll all day, built from the unit's weeks
        kept for every manager who sees it (`shift_weeks`)."""
        access, filters = self.request.access, self.filters()
        unit = filters.get("unit")
        if (
            not access.manages
            or unit not in access.unit_ids
            or filters.get("vacant") is not None
            or any(name in filters for name in ("home", "staff", "status"))
        ):
            return None
        return unit

    def cache_version_keys(self) -> list[str]:
        access = self.request.access
        if not access.manages:  # their own shifts, on whichever unit
            return version_keys(homes=access.home_ids, people=[access.staff_id or 0])
        unit = self._one_unit()
        if unit is not None:  # the weeks asked for, not every change on the unit
            filters = self.filters()
            return shift_weeks.period_version_keys(
                unit_id=unit,
                first=filters["date_from"],
                last=filters["date_to"],
                home_ids=access.home_ids,
            )
        unit = self.filters().get("unit")
        return version_keys(
            units=[unit] if unit is not None else access.unit_ids, homes=access.home_ids
        )

    def _list(self) -> Response:
        unit = self._one_unit()
        if unit is None:
            return super()._list()
        filters = self.filters()
        access = self.request.access
        shown = shift_weeks.unit_shifts_json(
            access.unit_ids,  # a manager's, as queries.shifts_visible limits them
            unit_id=unit,
            home_ids=self.request.access.home_ids,
            first=filters["date_from"],
            last=filters["date_to"],
            columns=_SHIFT_COLUMNS,
            to_json=shift_json,
        )
        page = self.paginate_queryset(shown)
        if page is not None:
            return self.get_paginated_response(page)
        return Response(shown)

    def rows(self, queryset):
        return queryset.values_list(*_SHIFT_COLUMNS)

    def represent(self, rows) -> list:
        return [shift_json(row) for row in rows]

    @extend_schema(parameters=[ShiftFilter])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(request=ShiftCreateSerializer, responses={201: ShiftSerializer})
    def post(self, request):
        parser = ShiftCreateSerializer(data=request.data)
        parser.is_valid(raise_exception=True)
        data = parser.validated_data
        unit = (
            queries.units_visible(request.access)
            .select_related("care_home")
            .filter(pk=data["unit"])
            .first()
        )
        if unit is None:
            raise serializers.ValidationError({"unit": f"No unit {data['unit']} that you manage."})
        staff = _staff_of_home(data["staff"], unit.care_home_id) if data.get("staff") else None
        shift = shift_create(
            unit=unit,
            day=data["date"],
            shift_type=_shift_type_of_home(data["shift_type"], unit.care_home_id),
            job_role=data["job_role"],
            staff=staff,
            status=data["status"],
            actor=request.user,
            override=_override(request, data),
        )
        return Response(ShiftSerializer(shift).data, status=status.HTTP_201_CREATED)


class ShiftDetail(ApiView):
    permission_classes = [TokenScopePermission, ManagerWritesPermission]

    def _shift(self, shift_id: int) -> Shift:
        shifts = queries.shifts_visible(self.request.access).select_related(*SHIFT_RELATED)
        return get_object_or_404(shifts, pk=shift_id)

    @extend_schema(responses=ShiftSerializer)
    def get(self, request, shift_id: int):
        return Response(ShiftSerializer(self._shift(shift_id)).data)

    @extend_schema(request=ShiftUpdateSerializer, responses=ShiftSerializer)
    def patch(self, request, shift_id: int):
        """Change the shift type or the person; the rules are checked again."""
        shift = self._shift(shift_id)
        parser = ShiftUpdateSerializer(data=request.data)
        parser.is_valid(raise_exception=True)
        data = parser.validated_data
        override = _override(request, data)
        with transaction.atomic():  # a refused assignment also undoes the unassignment
            if "shift_type" in data and data["shift_type"] != shift.shift_type_id:
                new_type = _shift_type_of_home(data["shift_type"], shift.care_home_id)
                shift = shift_change_type(
                    shift=shift, shift_type=new_type, actor=request.user, override=override
                )
            if "staff" in data and data["staff"] != shift.staff_id:
                person = (
                    _staff_of_home(data["staff"], shift.care_home_id) if data["staff"] else None
                )
                if shift.staff_id:
                    shift = shift_unassign(shift=shift, actor=request.user, reason="API change")
                if person is not None:
                    shift = shift_assign(
                        shift=shift, staff=person, actor=request.user, override=override
                    )
        return Response(ShiftSerializer(self._shift(shift_id)).data)


class ShiftCancel(ApiView):
    permission_classes = [TokenScopePermission, ManagerWritesPermission]

    @extend_schema(request=ShiftCancelSerializer, responses=ShiftSerializer)
    def post(self, request, shift_id: int):
        """Cancel a shift, with a reason kept in its history."""
        shifts = queries.shifts_visible(request.access)
        shift = get_object_or_404(shifts, pk=shift_id)
        parser = ShiftCancelSerializer(data=request.data)
        parser.is_valid(raise_exception=True)
        shift_cancel(shift=shift, actor=request.user, reason=parser.validated_data["reason"])
        shift = get_object_or_404(shifts.select_related(*SHIFT_RELATED), pk=shift_id)
        return Response(ShiftSerializer(shift).data)
