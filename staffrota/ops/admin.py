from django.contrib import admin

from staffrota.ops.models import Alert, BackupRun, JobFailure


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(BackupRun)
class BackupRunAdmin(ReadOnlyAdmin):
    list_display = ("started_at", "ok", "verified_at", "size_bytes", "path", "error")
    list_filter = ("ok",)


@admin.register(Alert)
class AlertAdmin(ReadOnlyAdmin):
    list_display = ("check_name", "severity", "summary", "opened_at", "last_seen_at", "resolved_at")
    list_filter = ("check_name", "severity")


@admin.register(JobFailure)
class JobFailureAdmin(ReadOnlyAdmin):
    list_display = ("task", "at", "error")
    list_filter = ("task",)
