"""The payroll export, as JSON and as CSV, for managers."""

import csv
import io

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.response import Response

from staffrota.api import queries
from staffrota.api.fields import ClockTimeField
from staffrota.api.payroll import CATEGORIES, Payroll, payroll_build
from staffrota.api.permissions import ManagerPermission, TokenScopePermission
from staffrota.api.serializers import PayrollFilter
from staffrota.api.views.base import ApiView

_hours = serializers.DecimalField(max_digits=9, decimal_places=2)
PayrollSchema = inline_serializer(
    "Payroll",
    {
        "date_from": serializers.DateField(),
        "date_to": serializers.DateField(),
        "homes": inline_serializer(
            "PayrollHome",
            {
                "id": serializers.IntegerField(),
                "name": serializers.CharField(),
                "overtime_premium": _hours,
                "night_enhancement_start": ClockTimeField(),
                "night_enhancement_end": ClockTimeField(),
                "night_enhancement_percent": _hours,
                "weekend_enhancement_percent": _hours,
            },
            many=True,
        ),
        "people": inline_serializer(
            "PayrollPerson",
            {
                "staff": serializers.IntegerField(),
                "sap_number": serializers.CharField(),
                "name": serializers.CharField(),
                "home": serializers.IntegerField(),
                "home_unit": serializers.CharField(),
                "job_role": serializers.CharField(),
                "contract_type": serializers.CharField(),
                "hourly_rate": _hours,
                "hours": inline_serializer("PayrollHours", {c: _hours for c in CATEGORIES}),
            },
            many=True,
        ),
        "agency": inline_serializer(
            "PayrollAgency",
            {
                "home": serializers.CharField(),
                "unit": serializers.CharField(),
                "job_role": serializers.CharField(),
                "shifts": serializers.IntegerField(),
                "hours": _hours,
                "cost": _hours,
            },
            many=True,
        ),
    },
)


def _payroll(request) -> Payroll:
    parser = PayrollFilter(data=request.query_params.dict())
    parser.is_valid(raise_exception=True)
    filters = parser.validated_data
    units = queries.units_visible(request.access)
    if "home" in filters:
        units = units.filter(care_home_id=filters["home"])
    if "unit" in filters:
        units = units.filter(pk=filters["unit"])
    return payroll_build(
        unit_ids=units.values_list("pk", flat=True),
        date_from=filters["date_from"],
        date_to=filters["date_to"],
    )


def payroll_json(payroll: Payroll) -> dict:
    return {
        "date_from": payroll.date_from,
        "date_to": payroll.date_to,
        "homes": [
            {
                "id": home.pk,
                "name": home.name,
                "overtime_premium": str(home.overtime_premium),
                "night_enhancement_start": f"{home.night_enhancement_start:%H:%M}",
                "night_enhancement_end": f"{home.night_enhancement_end:%H:%M}",
                "night_enhancement_percent": str(home.night_enhancement_percent),
                "weekend_enhancement_percent": str(home.weekend_enhancement_percent),
            }
            for home in payroll.homes
        ],
        "people": [
            {
                "staff": line.staff.pk,
                "sap_number": line.staff.sap_number,
                "name": line.staff.full_name,
                "home": line.staff.care_home_id,
                "home_unit": line.staff.home_unit.name,
                "job_role": line.staff.job_role.code,
                "contract_type": line.staff.contract_type,
                "hourly_rate": str(line.staff.hourly_rate),
                "hours": {name: str(value) for name, value in line.hours.items()},
            }
            for line in payroll.lines
        ],
        "agency": [
            {
                "home": a.home,
                "unit": a.unit,
                "job_role": a.job_role,
                "shifts": a.shifts,
                "hours": str(a.hours),
                "cost": str(a.cost),
            }
            for a in payroll.agency
        ],
    }


def payroll_csv(payroll: Payroll) -> str:
    """People first, then a blank line and the agency section with its own header."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        ["sap_number", "name", "home_unit", "job_role", "contract_type", "hourly_rate"]
        + [f"{name}_hours" for name in CATEGORIES]
    )
    for line in payroll.lines:
        staff = line.staff
        writer.writerow(
            [
                staff.sap_number,
                staff.full_name,
                staff.home_unit.name,
                staff.job_role.code,
                staff.contract_type,
                staff.hourly_rate,
            ]
            + [line.hours[name] for name in CATEGORIES]
        )
    writer.writerow([])
    writer.writerow(["agency_home", "agency_unit", "job_role", "shifts", "hours", "cost"])
    for a in payroll.agency:
        writer.writerow([a.home, a.unit, a.job_role, a.shifts, a.hours, a.cost])
    return out.getvalue()


class PayrollExport(ApiView):
    permission_classes = [TokenScopePermission, ManagerPermission]

    @extend_schema(parameters=[PayrollFilter], responses=PayrollSchema)
    def get(self, request):
        """Hours per person and pay category for a period (at most 93 days), and agency."""
        return Response(payroll_json(_payroll(request)))


class PayrollCsv(ApiView):
    permission_classes = [TokenScopePermission, ManagerPermission]

    @extend_schema(
        parameters=[PayrollFilter],
        responses={(200, "text/csv"): OpenApiResponse(response=OpenApiTypes.STR)},
    )
    def get(self, request):
        """The same export as CSV: people, a blank line, then the agency section."""
        payroll = _payroll(request)
        response = HttpResponse(payroll_csv(payroll), content_type="text/csv; charset=utf-8")
        name = f"payroll-{payroll.date_from:%Y%m%d}-{payroll.date_to:%Y%m%d}.csv"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response
