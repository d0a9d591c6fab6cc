from django.contrib import admin, messages
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse

from staffrota.accounts.admin import UserAdmin
from staffrota.accounts.models import User
from staffrota.security.lockout import account_failures, unlock
from staffrota.security.models import ConsentRecord, Erasure, SecurityPolicy
from staffrota.security.privacy import PrivacyError, person_erase


@admin.register(SecurityPolicy)
class SecurityPolicyAdmin(admin.ModelAdmin):
    list_display = ("__str__", "require_two_factor_for_managers", "updated_at")

    def has_add_permission(self, request) -> bool:
        return not SecurityPolicy.objects.exists()

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ConsentRecord)
class ConsentRecordAdmin(admin.ModelAdmin):
    list_display = ("user", "purpose", "given", "at", "notice_version", "recorded_by")
    list_filter = ("purpose", "given")
    search_fields = ("user__username", "user__last_name")
    raw_id_fields = ("user", "recorded_by")

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # a change of mind is a new record

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Erasure)
class ErasureAdmin(admin.ModelAdmin):
    list_display = ("user", "at", "by", "reason")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class SecureUserAdmin(UserAdmin):
    """The accounts admin plus unlock, subject access export and erasure."""

    actions = [*UserAdmin.actions, "unlock_login", "export_personal_data", "erase_personal_data"]

    @admin.action(description="Unlock login (clear failed attempts) for the selected users")
    def unlock_login(self, request, queryset):
        cleared = []
        for user in queryset:
            if account_failures(user.username):
                cleared.append(user.username)
            unlock(username=user.username)
        self.message_user(
            request,
            f"Unlocked {len(cleared)} account(s)"
            + (": " + ", ".join(cleared) if cleared else "; none was locked."),
            messages.SUCCESS,
        )

    @admin.action(description="Download personal data (subject access, JSON)")
    def export_personal_data(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, "Choose exactly one person to export.", messages.WARNING)
            return None
        url = reverse("admin:accounts_user_personal_data", args=[queryset.get().pk])
        return HttpResponseRedirect(url)

    def get_urls(self):
        from django.urls import path

        from staffrota.security.views import person_data_download

        own = [
            path(
                "<int:user_id>/personal-data.json",
                self.admin_site.admin_view(person_data_download),
                name="accounts_user_personal_data",
            )
        ]
        return own + super().get_urls()

    @admin.action(description="Erase personal data (anonymise; rota and audit kept)")
    def erase_personal_data(self, request, queryset):
        if request.POST.get("confirm") == "yes":
            reason = request.POST.get("reason", "")
            done = 0
            for user in queryset:
                try:
                    person_erase(user=user, actor=request.user, reason=reason)
                    done += 1
                except PrivacyError as error:
                    self.message_user(request, f"{user.username}: {error}", messages.ERROR)
            if done:
                self.message_user(request, f"Erased {done} person(s).", messages.SUCCESS)
            return None
        return TemplateResponse(
            request,
            "security/admin_erase_confirm.html",
            {
                **self.admin_site.each_context(request),
                "title": "Erase personal data",
                "people": queryset,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
                "opts": self.model._meta,
            },
        )


admin.site.unregister(User)
admin.site.register(User, SecureUserAdmin)
