from django.contrib import admin

from staffrota.compliance import models


@admin.register(models.TrainingCourse)
class TrainingCourseAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "validity_months")
    filter_horizontal = ("roles",)


@admin.register(models.TrainingRecord)
class TrainingRecordAdmin(admin.ModelAdmin):
    list_display = ("staff", "course", "completed_on", "expires_on")
    list_filter = ("course", "care_home")
    raw_id_fields = ("staff",)


@admin.register(models.Supervision)
class SupervisionAdmin(admin.ModelAdmin):
    list_display = ("staff", "held_on", "next_due_on")
    raw_id_fields = ("staff", "supervisor")


@admin.register(models.Incident)
class IncidentAdmin(admin.ModelAdmin):
    list_display = ("occurred_at", "unit", "category", "severity", "status")
    list_filter = ("category", "severity", "status", "care_home")
    raw_id_fields = ("people_involved", "reported_by")
