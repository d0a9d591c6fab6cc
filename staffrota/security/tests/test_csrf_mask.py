"""The CSRF token masked in C-level string operations is Django's token."""

from collections import Counter

import pytest
from django.middleware import csrf
from django.test import Client

from staffrota.security.csrf_mask import mask_cipher_secret, random_chars


def test_installed_in_place_of_djangos_mask():
    assert csrf._mask_cipher_secret is mask_cipher_secret


def test_a_masked_secret_unmasks_to_itself_in_djangos_format():
    for _ in range(500):
        secret = csrf._get_new_csrf_string()
        token = mask_cipher_secret(secret)
        csrf._check_token_format(token)  # raises on a wrong length or character
        assert csrf._unmask_cipher_token(token) == secret
        assert csrf._does_token_match(token, secret)


def test_each_response_gets_a_new_mask():
    secret = csrf._get_new_csrf_string()
    assert len({mask_cipher_secret(secret) for _ in range(200)}) == 200


def test_mask_characters_are_uniform_over_the_alphabet():
    counts = Counter(random_chars(62_000))
    assert set(counts) == set(csrf.CSRF_ALLOWED_CHARS)
    # 1,000 expected each; a biased draw (a byte modulo 62) would put some near 1,030.
    chi_square = sum((n - 1000) ** 2 / 1000 for n in counts.values())
    assert chi_square < 120  # 61 degrees of freedom: p < 0.00001 of failing by chance


@pytest.mark.django_db
def test_a_form_posted_with_the_pages_token_passes_and_a_forged_one_fails(django_user_model):
    client = Client(enforce_csrf_checks=True)
    page = client.get("/accounts/login/")
    someone_elses = csrf._get_new_csrf_string()
    assert page.status_code == 200
    cookie = client.cookies[csrf.settings.CSRF_COOKIE_NAME].value
    good = mask_cipher_secret(cookie)
    forged = mask_cipher_secret(someone_elses)
    form = {"username": "nobody", "password": "wrong"}
    refused = client.post("/accounts/login/", {**form, "csrfmiddlewaretoken": forged})
    assert refused.status_code == 403
    answered = client.post("/accounts/login/", {**form, "csrfmiddlewaretoken": good})
    assert answered.status_code == 200  # the form again, with its error: not a CSRF refusal
