"""Two-factor pages, "download my data", consents, and the admin's subject access export."""

import json

import segno
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from staffrota.accounts.models import Role, User
from staffrota.audit.services import audit_record
from staffrota.security import twofactor
from staffrota.security.models import ConsentPurpose, SecurityPolicy
from staffrota.security.privacy import consent_record, consents_current, person_export

BACKUP_SESSION_KEY = "security.backup_codes"


class TokenForm(forms.Form):
    token = forms.CharField(
        label="Code",
        max_length=16,
        widget=forms.TextInput(
            attrs={
                "class": "form-control",
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "autofocus": True,
            }
        ),
    )


def _next_url(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, {request.get_host()}, request.is_secure()):
        return target
    return "/"


def is_admin(user) -> bool:
    return user.is_authenticated and (user.is_superuser or user.role == Role.SYSTEM_ADMIN)


@never_cache
@login_required
def two_factor_verify(request):
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        device = twofactor.token_check(user=request.user, token=form.cleaned_data["token"])
        if device is not None:
            otp_login(request, device)
            request.session[twofactor.SESSION_KEY] = twofactor.OFF
            audit_record(
                actor=request.user,
                action="auth.two_factor_verified",
                target=request.user,
                after={"device": device.__class__.__name__},
            )
            return redirect(_next_url(request))
        form.add_error(
            "token",
            "That code did not match. Use the 6-digit code your authenticator app shows now, "
            "or one of your backup codes.",
        )
    return render(
        request, "security/two_factor_verify.html", {"form": form, "next": _next_url(request)}
    )


@never_cache
@login_required
def two_factor_setup(request):
    user = request.user
    device = None
    if request.method == "POST":
        device = TOTPDevice.objects.filter(
            user=user, confirmed=False, pk=request.POST.get("device")
        ).first()
    if device is None:
        if twofactor.has_device(user) and not user.is_verified():
            return redirect("two_factor_verify")
        device = twofactor.totp_device_start(user=user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = twofactor.totp_device_confirm(device=device, token=form.cleaned_data["token"])
        if codes is not None:
            otp_login(request, device)
            request.session[twofactor.SESSION_KEY] = twofactor.OFF
            request.session[BACKUP_SESSION_KEY] = codes
            audit_record(actor=user, action="auth.two_factor_enabled", target=user)
            return redirect("two_factor_backup_codes")
        form.add_error(
            "token", "That code did not match. Check the phone's clock is right and try again."
        )
    qr_svg = segno.make(device.config_url, error="m").svg_inline(scale=4, dark="#000")
    return render(
        request,
        "security/two_factor_setup.html",
        {
            "form": form,
            "device": device,
            "qr_svg": qr_svg,
            "secret": _b32(device.bin_key),
            "required": twofactor.two_factor_state(user) == twofactor.SETUP,
        },
    )


def _b32(key: bytes) -> str:
    from base64 import b32encode

    text = b32encode(key).decode().rstrip("=")
    return " ".join(text[i : i + 4] for i in range(0, len(text), 4))


@never_cache
@login_required
def two_factor_backup_codes(request):
    if request.method == "POST":
        if not twofactor.has_device(request.user):
            return redirect("two_factor_setup")
        request.session[BACKUP_SESSION_KEY] = twofactor.backup_codes_replace(user=request.user)
        audit_record(actor=request.user, action="auth.backup_codes_replaced", target=request.user)
        return redirect("two_factor_backup_codes")
    codes = request.session.pop(BACKUP_SESSION_KEY, None)
    return render(request, "security/two_factor_backup_codes.html", {"codes": codes})


@never_cache
@login_required
def security_overview(request):
    user = request.user
    current = consents_current(user=user)
    return render(
        request,
        "security/overview.html",
        {
            "has_device": twofactor.has_device(user),
            "required": user.is_manager and SecurityPolicy.two_factor_required_for_managers(),
            "consents": [
                (value, label, current.get(value)) for value, label in ConsentPurpose.choices
            ],
        },
    )


@require_POST
@login_required
def two_factor_disable(request):
    user = request.user
    if user.is_manager and SecurityPolicy.two_factor_required_for_managers():
        raise PermissionDenied("Two-factor login is required for managers.")
    twofactor.two_factor_disable(user=user)
    audit_record(actor=user, action="auth.two_factor_disabled", target=user)
    messages.success(request, "Two-factor login is off. You can set it up again at any time.")
    return redirect("security_overview")


@require_POST
@login_required
def consent_update(request):
    purpose = request.POST.get("purpose", "")
    if purpose not in ConsentPurpose.values or request.POST.get("given") not in {"0", "1"}:
        messages.error(request, "Choose a purpose and yes or no.")
        return redirect("security_overview")
    given = request.POST["given"] == "1"
    consent_record(user=request.user, purpose=purpose, given=given)
    label = ConsentPurpose(purpose).label
    messages.success(request, f"Saved: {label}: {'yes' if given else 'no'}.")
    return redirect("security_overview")


def _json_download(data: dict, filename: str) -> HttpResponse:
    response = HttpResponse(
        json.dumps(data, cls=DjangoJSONEncoder, indent=2), content_type="application/json"
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
def my_data_download(request):
    """The person's own subject access download (supervision notes left out, see privacy.py)."""
    user = request.user
    data = person_export(user=user, full=False)
    audit_record(actor=user, action="gdpr.export", target=user, after={"scope": "self"})
    stamp = timezone.localdate().isoformat()
    return _json_download(data, f"my-data-{user.username}-{stamp}.json")


def person_data_download(request, user_id: int):
    """An admin's full subject access export for one person (served inside the admin site)."""
    if not is_admin(request.user):
        raise PermissionDenied("Only a system admin can export someone else's data.")
    person = get_object_or_404(User, pk=user_id)
    data = person_export(user=person, full=True)
    audit_record(actor=request.user, action="gdpr.export", target=person, after={"scope": "full"})
    stamp = timezone.localdate().isoformat()
    return _json_download(data, f"subject-access-{person.username}-{stamp}.json")
