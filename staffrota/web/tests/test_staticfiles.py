"""The static storage works each address out once, from the manifest collectstatic wrote."""

import json

import pytest
from django.test import override_settings

from staffrota.web.staticfiles import StaticFilesStorage


@pytest.fixture
def storage(tmp_path):
    manifest = {"version": "1.1", "hash": "x", "paths": {"web/app.css": "web/app.0a1b2c.css"}}
    (tmp_path / "staticfiles.json").write_text(json.dumps(manifest))
    return StaticFilesStorage(location=str(tmp_path), base_url="/static/")


@override_settings(DEBUG=False)
def test_an_address_names_the_hashed_file_every_time(storage):
    assert storage.url("web/app.css") == "/static/web/app.0a1b2c.css"
    assert storage.url("web/app.css") == "/static/web/app.0a1b2c.css"


@override_settings(DEBUG=False)
def test_a_file_missing_from_the_manifest_still_says_so_each_time(storage):
    for _ in range(2):
        with pytest.raises(ValueError, match="Missing staticfiles manifest entry"):
            storage.url("web/missing.css")


def test_in_debug_it_answers_as_django_does_not_from_memory(storage):
    """Under DEBUG files change under a running server: Django names the plain file."""
    with override_settings(DEBUG=False):
        assert storage.url("web/app.css").endswith("app.0a1b2c.css")
    with override_settings(DEBUG=True):
        assert storage.url("web/app.css") == "/static/web/app.css"
