from django.contrib import admin, messages

from staffrota.api.models import ApiToken, token_digest, token_generate
from staffrota.api.tokens import api_token_revoke


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    """Admins create tokens here; the token is shown once, in the message after saving."""

    list_display = ("name", "hint", "user", "kind", "scope", "created_at", "last_used_at")
    list_filter = ("kind", "scope")
    search_fields = ("name", "user__username", "hint")
    raw_id_fields = ("user",)
    readonly_fields = ("hint", "created_by", "created_at", "last_used_at", "revoked_at")
    actions = ["revoke"]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return self.readonly_fields
        # A token's owner and powers are fixed: make a new one rather than widen it.
        return (*self.readonly_fields, "user", "kind", "scope")

    def save_model(self, request, obj, form, change):
        if not change:
            raw = token_generate()
            obj.digest = token_digest(raw)
            obj.hint = raw[:10]
            obj.created_by = request.user
            super().save_model(request, obj, form, change)
            messages.warning(
                request,
                f"The token for {obj.name} is {raw} — copy it now: it is not stored and "
                "cannot be shown again.",
            )
            return
        super().save_model(request, obj, form, change)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # revoke instead: the row records who had access and when

    @admin.action(description="Revoke the selected tokens")
    def revoke(self, request, queryset):
        for token in queryset:
            api_token_revoke(token=token)
        messages.success(request, f"Revoked {queryset.count()} token(s).")
