"""The Content-Security-Policy header built once per process: the same header django-csp
builds, and django-csp's own handling wherever a response asks for something else."""

import pytest
from csp.utils import build_policy
from django.http import HttpResponse
from django.test import RequestFactory, override_settings

from staffrota.security.middleware import ContentSecurityPolicyMiddleware

pytestmark = pytest.mark.django_db


def _middleware(make_response=HttpResponse):
    return ContentSecurityPolicyMiddleware(lambda request: make_response("ok"))


def _get(middleware, path="/"):
    request = RequestFactory().get(path)
    middleware.process_request(request)
    return request, middleware.process_response(request, middleware.get_response(request))


def test_every_plain_response_carries_the_policy_django_csp_builds():
    middleware = _middleware()
    headers = [_get(middleware)[1]["Content-Security-Policy"] for _ in range(3)]
    assert headers == [build_policy()] * 3
    assert "frame-ancestors 'none'" in headers[0]


def test_a_nonce_used_by_the_page_still_goes_into_its_header():
    from csp.constants import NONCE

    policy = {"DIRECTIVES": {"default-src": ["'self'"], "script-src": ["'self'", NONCE]}}
    with override_settings(CONTENT_SECURITY_POLICY=policy):
        middleware = _middleware()
        _get(middleware)  # the plain header is now remembered
        request = RequestFactory().get("/")
        middleware.process_request(request)
        nonce = str(request.csp_nonce)
        response = middleware.process_response(request, HttpResponse("ok"))
        assert f"'nonce-{nonce}'" in response["Content-Security-Policy"]
        assert f"'nonce-{nonce}'" not in _get(middleware)[1]["Content-Security-Policy"]


def test_a_view_that_widens_its_policy_gets_its_own_header():
    def widened(_content):
        response = HttpResponse("ok")
        response._csp_update = {"img-src": ["https://maps.example.org"]}
        return response

    _get(_middleware())
    request, response = _get(_middleware(widened))
    assert "https://maps.example.org" in response["Content-Security-Policy"]


def test_an_exempt_response_gets_no_header():
    def exempt(_content):
        response = HttpResponse("ok")
        response._csp_exempt = True
        return response

    middleware = _middleware(exempt)
    assert "Content-Security-Policy" not in _get(middleware)[1]


def test_a_changed_policy_setting_is_picked_up():
    middleware = _middleware()
    assert "example.net" not in _get(middleware)[1]["Content-Security-Policy"]
    policy = {"DIRECTIVES": {"default-src": ["'self'", "example.net"]}}
    with override_settings(CONTENT_SECURITY_POLICY=policy):
        assert "example.net" in _get(middleware)[1]["Content-Security-Policy"]


def test_asking_for_a_nonce_after_the_header_is_written_is_an_error():
    from csp.exceptions import CSPNonceError

    middleware = _middleware()
    _get(middleware)
    request, _ = _get(middleware)
    with pytest.raises(CSPNonceError):
        str(request.csp_nonce)
