from django.contrib import admin

from staffrota.leave.models import (
    BlackoutPeriod,
    LeaveAllowance,
    LeavePolicy,
    LeaveRequest,
    SicknessAbsence,
)


@admin.register(LeaveRequest)
class LeaveRequestAdmin(admin.ModelAdmin):
    list_display = ("staff", "leave_type", "start_date", "end_date", "hours", "status")
    list_filter = ("status", "leave_type", "care_home")
    raw_id_fields = ("staff", "decided_by")


@admin.register(SicknessAbsence)
class SicknessAbsenceAdmin(admin.ModelAdmin):
    list_display = ("staff", "start_date", "end_date", "reason", "fit_note")
    list_filter = ("reason", "care_home")
    raw_id_fields = ("staff",)


@admin.register(LeavePolicy)
class LeavePolicyAdmin(admin.ModelAdmin):
    list_display = (
        "care_home",
        "bank_holidays",
        "carry_over_cap_hours",
        "notice_days",
        "same_role_cap",
        "auto_cover",
    )


@admin.register(BlackoutPeriod)
class BlackoutPeriodAdmin(admin.ModelAdmin):
    list_display = ("name", "care_home", "start_date", "end_date")
    list_filter = ("care_home",)


@admin.register(LeaveAllowance)
class LeaveAllowanceAdmin(admin.ModelAdmin):
    list_display = ("unit", "job_role", "places", "care_home")
    list_filter = ("care_home",)
    raw_id_fields = ("unit",)
