from django.contrib import admin

from staffrota.rota.models import Shift


@admin.register(Shift)
class ShiftAdmin(admin.ModelAdmin):
    list_display = ("date", "unit", "shift_type", "job_role", "staff", "status", "source")
    list_filter = ("status", "source", "care_home")
    date_hierarchy = "date"
    raw_id_fields = ("staff", "unit")
    list_select_related = ("unit", "shift_type", "job_role", "staff__user")
