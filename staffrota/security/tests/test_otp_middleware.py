"""The signed-in user behind one lazy wrapper: still lazy, still checked for a device."""

import pytest
from django.contrib.auth import get_user
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory
from django.utils.functional import SimpleLazyObject, empty

from staffrota.security.middleware import OTPMiddleware

pytestmark = pytest.mark.django_db


def _request(client, user=None):
    if user is not None:
        client.force_login(user)
    request = RequestFactory().get("/")
    request.session = client.session
    request.user = SimpleLazyObject(lambda: get_user(request))
    OTPMiddleware(lambda r: None)._install_lazy_accessors(request)
    return request


def test_the_user_is_read_only_when_a_page_asks(client, home_a):
    request = _request(client, home_a.staff_user)
    assert request.user._wrapped is empty
    assert request.user.pk == home_a.staff_user.pk
    # One wrapper: what it holds is the user itself, not Django's lazy object.
    assert type(request.user._wrapped) is type(home_a.staff_user)


def test_a_user_without_a_confirmed_device_is_not_verified(client, home_a):
    request = _request(client, home_a.staff_user)
    assert request.user.otp_device is None
    assert request.user.is_verified() is False


def test_a_device_in_the_session_verifies_its_own_user_only(client, home_a, home_b):
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(user=home_a.manager, name="phone", confirmed=True)
    client.force_login(home_a.manager)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    request = _request(client)
    assert request.user.is_verified() is True
    assert request.user.otp_device == device

    device.user = home_b.manager
    device.save()
    request = _request(client)
    assert request.user.is_verified() is False


def test_nobody_signed_in_is_anonymous_and_unverified(client):
    request = _request(client)
    assert request.user.is_authenticated is False
    assert request.user.is_verified() is False
    assert isinstance(request.user._wrapped, AnonymousUser)
