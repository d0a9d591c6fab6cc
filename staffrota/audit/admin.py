from django.contrib import admin

from staffrota.audit.models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: entries are added by the application, never edited or removed."""

    list_display = ("at", "actor_label", "action", "object_type", "object_id", "care_home")
    list_filter = ("action", "object_type", "care_home")
    search_fields = ("actor_label", "object_id", "action")
    date_hierarchy = "at"
    list_select_related = ("care_home",)

    def get_queryset(self, request):
        # Entries without a home (logins) are part of the log too.
        return AuditEntry.all_homes.select_related("care_home")

    def get_actions(self, request):
        return {}

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
