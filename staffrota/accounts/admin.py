from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from staffrota.accounts.forms import QueuedPasswordResetForm
from staffrota.accounts.models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ("username", "first_name", "last_name", "email", "role", "is_active")
    list_filter = ("role", "is_active", "is_superuser")
    search_fields = ("username", "first_name", "last_name", "email")
    fieldsets = BaseUserAdmin.fieldsets + (
        ("Role and scope", {"fields": ("role", "managed_homes", "managed_units")}),
    )
    filter_horizontal = ("groups", "user_permissions", "managed_homes", "managed_units")
    actions = ["send_password_reset", "deactivate"]

    def has_delete_permission(self, request, obj=None) -> bool:
        # People leave; their shifts, leave and audit history stay. Deactivate instead.
        return False

    @admin.action(description="E-mail a password reset link to the selected users")
    def send_password_reset(self, request, queryset):
        sent, missing = 0, []
        for user in queryset:
            if not user.email:
                missing.append(user.username)
                continue
            form = QueuedPasswordResetForm({"email": user.email})
            if form.is_valid():
                form.save(
                    request=request,
                    use_https=request.is_secure(),
                    email_template_name="registration/password_reset_email.txt",
                    subject_template_name="registration/password_reset_subject.txt",
                )
                sent += 1
        self.message_user(request, f"Sent {sent} password reset link(s).", messages.SUCCESS)
        if missing:
            self.message_user(
                request,
                "No e-mail address on file for: " + ", ".join(missing) + ". Add one first.",
                messages.WARNING,
            )

    @admin.action(description="Deactivate the selected users (history is kept)")
    def deactivate(self, request, queryset):
        count = queryset.update(is_active=False)
        self.message_user(request, f"Deactivated {count} user(s); their history is kept.")
