"""What the API shows and accepts. Reads are plain; writes only parse and look up, then a
service decides (the rules engine for shifts)."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from staffrota.api.fields import ClockTimeField, RotaDateField
from staffrota.leave.models import LeaveRequest, LeaveType
from staffrota.organisation.models import CareHome, JobRole, ShiftType, StaffMember, Unit
from staffrota.rota.models import Shift, ShiftStatus

MAX_RANGE_DAYS = 93  # a quarter: the longest period one list or export covers


class ShiftTypeSerializer(serializers.ModelSerializer):
    starts = ClockTimeField()
    ends = ClockTimeField()

    class Meta:
        model = ShiftType
        fields = ["id", "code", "name", "starts", "ends", "paid_hours", "is_night"]


class HomeSerializer(serializers.ModelSerializer):
    shift_types = serializers.SerializerMethodField()
    night_enhancement_start = ClockTimeField()
    night_enhancement_end = ClockTimeField()

    class Meta:
        model = CareHome
        fields = [
            "id",
            "name",
            "code",
            "nation",
            "overtime_premium",
            "night_enhancement_start",
            "night_enhancement_end",
            "night_enhancement_percent",
            "weekend_enhancement_percent",
            "shift_types",
        ]

    @extend_schema_field(ShiftTypeSerializer(many=True))
    def get_shift_types(self, home):
        by_home = self.context.get("shift_types", {})
        return ShiftTypeSerializer(by_home.get(home.pk, []), many=True).data


class UnitSerializer(serializers.ModelSerializer):
    home = serializers.IntegerField(source="care_home_id", read_only=True)

    class Meta:
        model = Unit
        fields = ["id", "home", "name", "care_type", "beds"]


class JobRoleSerializer(serializers.ModelSerializer):
    class Meta:
        model = JobRole
        fields = ["id", "code", "name", "requires_registration", "registration_body"]


class StaffSerializer(serializers.ModelSerializer):
    home = serializers.IntegerField(source="care_home_id", read_only=True)
    first_name = serializers.CharField(source="user.first_name", read_only=True)
    last_name = serializers.CharField(source="user.last_name", read_only=True)
    job_role = serializers.CharField(source="job_role.code", read_only=True)
    home_unit = serializers.IntegerField(source="home_unit_id", read_only=True)

    class Meta:
        model = StaffMember
        fields = [
            "id",
            "home",
            "sap_number",
            "first_name",
            "last_name",
            "job_role",
            "contract_type",
            "contracted_hours",
            "hourly_rate",
            "home_unit",
            "registration_body",
            "registration_number",
            "registration_expiry",
            "wtr_opt_out",
            "started_on",
            "left_on",
        ]


class ShiftSerializer(serializers.ModelSerializer):
    home = serializers.IntegerField(source="care_home_id", read_only=True)
    unit = serializers.IntegerField(source="unit_id", read_only=True)
    shift_type = serializers.IntegerField(source="shift_type_id", read_only=True)
    shift_type_code = serializers.CharField(source="shift_type.code", read_only=True)
    job_role = serializers.CharField(source="job_role.code", read_only=True)
    staff = serializers.IntegerField(source="staff_id", read_only=True, allow_null=True)
    staff_name = serializers.SerializerMethodField()

    class Meta:
        model = Shift
        fields = [
            "id",
            "home",
            "unit",
            "date",
            "starts_at",
            "ends_at",
            "shift_type",
            "shift_type_code",
            "job_role",
            "staff",
            "staff_name",
            "paid_hours",
            "status",
            "source",
            "note",
            "updated_at",
        ]

    def get_staff_name(self, shift) -> str | None:
        return shift.staff.full_name if shift.staff_id else None


class ShiftCreateSerializer(serializers.Serializer):
    unit = serializers.IntegerField(min_value=1)
    date = RotaDateField()
    shift_type = serializers.IntegerField(min_value=1, help_text="A shift type id of the home.")
    job_role = serializers.SlugField(max_length=20, help_text="carer, senior, rn… (job-roles/)")
    staff = serializers.IntegerField(
        min_value=1, required=False, allow_null=True, help_text="Empty for a vacancy."
    )
    status = serializers.ChoiceField(
        choices=[ShiftStatus.DRAFT, ShiftStatus.PUBLISHED], default=ShiftStatus.DRAFT
    )
    override_reason = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=200,
        help_text="A manager's reason to set aside the home's own (non-statutory) rules.",
    )

    def validate_job_role(self, code: str) -> JobRole:
        # A plain lookup after the slug check: nothing odd (a NUL byte) reaches the database.
        role = JobRole.objects.filter(code=code).first()
        if role is None:
            raise serializers.ValidationError(f"No job role {code!r}; see /api/v1/job-roles/.")
        return role


class ShiftUpdateSerializer(serializers.Serializer):
    shift_type = serializers.IntegerField(min_value=1, required=False)
    staff = serializers.IntegerField(
        min_value=1, required=False, allow_null=True, help_text="null leaves the shift vacant."
    )
    override_reason = serializers.CharField(required=False, allow_blank=True, max_length=200)


class ShiftCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200, help_text="Kept in the shift's history.")


class LeaveRequestSerializer(serializers.ModelSerializer):
    home = serializers.IntegerField(source="care_home_id", read_only=True)
    staff = serializers.IntegerField(source="staff_id", read_only=True)

    class Meta:
        model = LeaveRequest
        fields = [
            "id",
            "home",
            "staff",
            "leave_type",
            "start_date",
            "end_date",
            "hours",
            "comment",
            "status",
            "created_at",
            "decided_at",
            "decision_note",
        ]


class LeaveCreateSerializer(serializers.Serializer):
    staff = serializers.IntegerField(
        min_value=1, required=False, help_text="Managers name the person; staff ask for themselves."
    )
    leave_type = serializers.ChoiceField(
        choices=[c for c in LeaveType.choices if c[0] != LeaveType.SICKNESS]
    )
    start_date = RotaDateField()
    end_date = RotaDateField()
    part_day_hours = serializers.DecimalField(
        max_digits=4,
        decimal_places=2,
        min_value=Decimal("0.25"),
        max_value=Decimal("24"),
        required=False,
    )
    comment = serializers.CharField(required=False, allow_blank=True, max_length=1000)

    def validate(self, data):
        if data["end_date"] < data["start_date"]:
            raise serializers.ValidationError({"end_date": "The last day is before the first."})
        return data


class PeriodFilter(serializers.Serializer):
    """Query filters shared by the lists: a date range, a home and a unit."""

    date_from = RotaDateField(required=False, help_text="YYYY-MM-DD; default today.")
    date_to = RotaDateField(
        required=False,
        help_text=f"YYYY-MM-DD, inclusive; default 27 days on; at most {MAX_RANGE_DAYS} days.",
    )
    home = serializers.IntegerField(min_value=1, required=False)
    unit = serializers.IntegerField(min_value=1, required=False)

    def validate(self, data):
        start = data.get("date_from") or timezone.localdate()
        end = data.get("date_to") or start + timedelta(days=27)
        if end < start:
            raise serializers.ValidationError({"date_to": "date_to is before date_from."})
        if (end - start).days >= MAX_RANGE_DAYS:
            raise serializers.ValidationError(
                {"date_to": f"Ask for at most {MAX_RANGE_DAYS} days at a time."}
            )
        return {**data, "date_from": start, "date_to": end}


class ShiftFilter(PeriodFilter):
    staff = serializers.IntegerField(min_value=1, required=False)
    status = serializers.ChoiceField(choices=ShiftStatus.choices, required=False)
    vacant = serializers.BooleanField(required=False, allow_null=True, default=None)


class LeaveFilter(serializers.Serializer):
    date_from = RotaDateField(required=False, help_text="Leave ending on or after.")
    date_to = RotaDateField(required=False, help_text="Leave starting on or before.")
    home = serializers.IntegerField(min_value=1, required=False)
    unit = serializers.IntegerField(min_value=1, required=False)
    staff = serializers.IntegerField(min_value=1, required=False)
    status = serializers.ChoiceField(
        choices=LeaveRequest._meta.get_field("status").choices, required=False
    )

    def validate(self, data):
        if data.get("date_from") and data.get("date_to") and data["date_to"] < data["date_from"]:
            raise serializers.ValidationError({"date_to": "date_to is before date_from."})
        return data


class OrgFilter(serializers.Serializer):
    home = serializers.IntegerField(min_value=1, required=False)
    unit = serializers.IntegerField(min_value=1, required=False)


class PayrollFilter(PeriodFilter):
    date_from = RotaDateField(help_text="First day of the pay period, YYYY-MM-DD.")
    date_to = RotaDateField(help_text="Last day of the pay period, inclusive.")
