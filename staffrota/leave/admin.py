from django.contrib import admin

from staffrota.leave.models import LeaveRequest, SicknessAbsence


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
