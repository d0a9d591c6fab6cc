from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.template import loader

from staffrota.notifications.services import email_queue


class SapLoginForm(AuthenticationForm):
    """Log in with the SAP number printed on a payslip, as the seed's users do."""

    username = forms.CharField(
        label="SAP number",
        max_length=150,
        widget=forms.TextInput(attrs={"autofocus": True, "autocomplete": "username"}),
    )

    error_messages = {
        "invalid_login": (
            "That SAP number and password do not match an active account. "
            "Check both (the password is case-sensitive) or reset your password."
        ),
        "inactive": (
            "This account has been deactivated. Ask your manager if you think this is wrong."
        ),
    }

    def clean_username(self) -> str:
        # SAP numbers are written both as "sap100001" and "SAP100001".
        return self.cleaned_data["username"].strip().upper()


class QueuedPasswordResetForm(PasswordResetForm):
    """Password reset whose e-mail goes out through the job queue, not inside the request."""

    def send_mail(
        self,
        subject_template_name,
        email_template_name,
        context,
        from_email,
        to_email,
        html_email_template_name=None,
    ):
        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
        body = loader.render_to_string(email_template_name, context)
        email_queue(to=[to_email], subject=subject, body=body)
