from django.contrib import admin

from staffrota.organisation import models


@admin.register(models.CareHome)
class CareHomeAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "nation", "max_consecutive_days")
    search_fields = ("name", "code")


@admin.register(models.Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ("name", "care_home", "care_type", "beds")
    list_filter = ("care_home", "care_type")
    search_fields = ("name",)


@admin.register(models.JobRole)
class JobRoleAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "requires_registration", "registration_body", "rank")


class UnitCoverInline(admin.TabularInline):
    model = models.UnitCover
    fk_name = "staff"
    extra = 0
    autocomplete_fields = ("unit",)
    exclude = ("care_home",)


@admin.register(models.StaffMember)
class StaffMemberAdmin(admin.ModelAdmin):
    list_display = ("sap_number", "full_name", "care_home", "job_role", "contract_type")
    list_filter = ("care_home", "job_role", "contract_type", "wtr_opt_out")
    search_fields = ("sap_number", "user__first_name", "user__last_name")
    list_select_related = ("user", "care_home", "job_role")
    raw_id_fields = ("user", "home_unit")
    inlines = [UnitCoverInline]

    def save_formset(self, request, form, formset, change):
        # A unit cover row belongs to the staff member's home.
        for cover in formset.save(commit=False):
            cover.care_home_id = form.instance.care_home_id
            cover.save()
        for deleted in formset.deleted_objects:
            deleted.delete()


@admin.register(models.ShiftType)
class ShiftTypeAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "care_home", "starts", "ends", "paid_hours", "is_night")
    list_filter = ("care_home",)


@admin.register(models.StaffingRequirement)
class StaffingRequirementAdmin(admin.ModelAdmin):
    list_display = ("unit", "shift_type", "job_role", "weekday", "minimum")
    list_filter = ("care_home", "job_role", "weekday")


@admin.register(models.DemandRecord)
class DemandRecordAdmin(admin.ModelAdmin):
    list_display = ("unit", "date", "occupied_beds", "dependency", "care_hours_needed")
    list_filter = ("care_home",)
    date_hierarchy = "date"
