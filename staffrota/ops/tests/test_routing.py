"""URL resolution kept per process: the same matches, 404s and redirects as Django's."""

import pytest
from django.urls import Resolver404, URLResolver, get_resolver, resolve, reverse
from django.urls.resolvers import RegexPattern

from staffrota import urls
from staffrota.ops.routing import KeptResolver


def _fields(match):
    return (
        match.func,
        match.args,
        match.kwargs,
        match.url_name,
        match.app_names,
        match.namespaces,
        match.route,
        match.view_name,
        match.captured_kwargs,
        match.extra_kwargs,
        len(match.tried),
    )


PATHS = [
    "/",
    "/api/v1/shifts/12/",
    "/api/v1/shifts/12/cancel/",
    "/api/v1/anything/else",
    "/leave/",
    "/admin/",
    "/admin/auth/user/3/change/",
    "/accounts/login/",
]


@pytest.mark.parametrize("path", PATHS)
def test_a_kept_match_is_what_django_resolves_from_the_same_patterns(path):
    plain = URLResolver(RegexPattern(r"^/"), urls.routes)  # Django's root, no memo
    expected = plain.resolve(path)
    first, again = resolve(path), resolve(path)
    # The kept resolver adds one empty step to each tried route; the rest is the same.
    assert _fields(first) == _fields(again)
    assert _fields(first)[:-1] == _fields(expected)[:-1]
    assert [[str(p.pattern) for p in t[1:]] for t in first.tried] == [
        [str(p.pattern) for p in t] for t in expected.tried
    ]
    # Each request gets its own match: changing one cannot reach the kept one.
    assert first is not again and first.kwargs is not again.kwargs
    first.kwargs["changed"] = True
    assert "changed" not in resolve(path).kwargs


def test_paths_are_kept_once_and_unmatched_paths_not_at_all():
    kept = get_resolver().url_patterns[0]
    assert isinstance(kept, KeptResolver)
    resolve("/api/v1/shifts/4242/")
    assert kept.kept.get("api/v1/shifts/4242/") is not None
    with pytest.raises(Resolver404):
        resolve("/no-such-page/")
    with pytest.raises(Resolver404):
        resolve("/no-such-page/")
    assert kept.kept.get("no-such-page/") is None


def test_the_memo_is_bounded():
    resolver = KeptResolver(urls.routes, most=3)
    for n in range(10):
        resolver.resolve(f"api/v1/shifts/{n}/")
    assert len(resolver.kept) <= 3


def test_reverse_and_namespaces_are_unchanged():
    assert reverse("api_shift", args=[5]) == "/api/v1/shifts/5/"
    assert reverse("admin:index") == "/admin/"
    assert resolve("/admin/").namespaces == ["admin"]


@pytest.mark.django_db
def test_a_missing_slash_still_redirects_and_an_unknown_page_is_404(client):
    login = reverse("login")
    assert client.get(login.rstrip("/")).status_code == 301
    assert client.get(login.rstrip("/"))["Location"] == login
    assert client.get("/no-such-page/").status_code == 404
    assert client.get(login).resolver_match.url_name == "login"
