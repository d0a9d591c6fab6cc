"""Security headers and cookies, templates without inline script or style, check --deploy."""

import os
import re
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.urls import reverse

ROOT = Path(settings.BASE_DIR)
PRODUCTION_ENV = {
    "STAFFROTA_PRODUCTION": "1",
    "DEBUG": "0",
    "SECRET_KEY": "k" * 20 + "-production-test-key-0123456789-abcdefghijklmnopqrstuvwxyz",
    "ALLOWED_HOSTS": "rota.example.org",
}


def test_login_page_sends_csp_without_inline_allowances(client, db):
    response = client.get(reverse("login"))
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "style-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy


def test_pages_send_frame_referrer_and_sniffing_headers(client, db):
    response = client.get(reverse("login"))
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


def _template_files():
    folders = [ROOT / "staffrota" / "templates", *ROOT.glob("staffrota/*/templates")]
    for folder in folders:
        yield from folder.rglob("*.html")


def test_templates_have_no_inline_script_or_style():
    offences = []
    checked = 0
    for path in _template_files():
        text = path.read_text()
        checked += 1
        # <script src=...> is fine; a <script> with content (or without src) is inline.
        for tag in re.findall(r"<script\b[^>]*>", text, re.I):
            if "src=" not in tag and 'type="application/json"' not in tag:
                offences.append(f"{path.relative_to(ROOT)}: inline {tag}")
        if re.search(r"<style\b", text, re.I):
            offences.append(f"{path.relative_to(ROOT)}: <style> block")
        if re.search(r"\sstyle\s*=", text, re.I):
            offences.append(f"{path.relative_to(ROOT)}: style= attribute")
        if re.search(r"\son[a-z]+\s*=", text, re.I):
            offences.append(f"{path.relative_to(ROOT)}: inline event handler")
    assert checked > 10, "the template folders moved? nothing was scanned"
    assert offences == []


def _run_production(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, **PRODUCTION_ENV}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.run(  # noqa: S603 (our own manage.py)
        [sys.executable, str(ROOT / "manage.py"), *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_is_clean_with_production_settings():
    result = _run_production("check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_cookies_are_secure_httponly_and_hsts_is_a_year():
    probe = (
        "from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, "
        "s.CSRF_COOKIE_HTTPONLY, s.SECURE_HSTS_SECONDS, s.SECURE_SSL_REDIRECT, "
        "s.SESSION_COOKIE_NAME)"
    )
    result = _run_production("shell", "-c", probe)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].split() == [
        "True",
        "True",
        "True",
        "True",
        "31536000",
        "True",
        "__Host-sessionid",
    ]


def test_production_refuses_to_start_with_a_short_secret_key():
    env_key = PRODUCTION_ENV["SECRET_KEY"]
    PRODUCTION_ENV["SECRET_KEY"] = "short"
    try:
        result = _run_production("check")
    finally:
        PRODUCTION_ENV["SECRET_KEY"] = env_key
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr
