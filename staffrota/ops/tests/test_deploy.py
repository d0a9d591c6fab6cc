"""The deployment files hang together (docker cannot run here, so read them instead)."""

import os
import runpy
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import yaml
from django.conf import settings

ROOT = Path(settings.BASE_DIR)


def test_deploy_compose_runs_web_worker_beat_postgres_and_redis():
    compose = yaml.safe_load((ROOT / "deploy" / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) == {"web", "worker", "beat", "db", "redis"}
    assert "deploy/serve.py" in services["web"]["command"]
    assert services["web"]["environment"]["WEB_BIND"] == "0.0.0.0:8000"
    assert services["worker"]["command"].startswith("celery -A staffrota worker")
    assert services["beat"]["command"].startswith("celery -A staffrota beat")
    assert services["db"]["image"] == "postgres:15"
    assert services["web"]["environment"]["STAFFROTA_PRODUCTION"] == "1"


def serve_options(environ: dict) -> dict:
    return runpy.run_path(str(ROOT / "deploy" / "serve.py"))["options"](environ)


def test_deploy_web_server_settings_come_from_the_environment():
    config = serve_options({})
    assert (config["address"], config["port"]) == ("127.0.0.1", 8000)
    assert config["workers"] >= 2 and config["blocking_threads"] == 4
    assert config["target"] == "staffrota.wsgi:application"
    # Idle connections outlive nginx's upstream keepalive_timeout (60 s).
    assert config["http1_settings"].header_read_timeout > 60_000
    config = serve_options({"WEB_BIND": "10.0.0.12:8031", "WEB_WORKERS": "3", "WEB_THREADS": "8"})
    assert (config["address"], config["port"], config["workers"]) == ("10.0.0.12", 8031, 3)
    assert config["blocking_threads"] == 8 and config["log_access"]
    assert not serve_options({"WEB_ACCESS_LOG": "0"})["log_access"]


@pytest.mark.parametrize(
    "environ, message",
    [
        ({"WEB_BIND": "8000"}, "WEB_BIND must look like 127.0.0.1:8000"),
        ({"WEB_BIND": "localhost:http"}, "WEB_BIND must look like"),
        ({"WEB_WORKERS": "two"}, "WEB_WORKERS must be a whole number of at least 1"),
        ({"WEB_THREADS": "0"}, "WEB_THREADS must be a whole number of at least 1"),
    ],
)
def test_deploy_web_server_refuses_bad_settings_with_what_to_fix(environ, message):
    with pytest.raises(SystemExit) as stopped:
        serve_options(environ)
    assert message in str(stopped.value)


def test_deploy_web_server_serves_the_application(tmp_path):
    """deploy/serve.py as systemd and Docker start it: a real Granian answering on a port."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    environ = {
        **os.environ,
        "WEB_BIND": f"127.0.0.1:{port}",
        "WEB_WORKERS": "1",
        "WEB_THREADS": "2",
        "STAFFROTA_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'serve.sqlite3'}",
        "REDIS_URL": "",
    }
    server = subprocess.Popen(  # noqa: S603 (our own interpreter and script)
        [sys.executable, str(ROOT / "deploy" / "serve.py")],
        env=environ,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        answer = None
        for _ in range(150):  # up to 30 s for Django to load on a busy machine
            try:
                ping = f"http://127.0.0.1:{port}/api/v1/ping/"
                with urllib.request.urlopen(ping, timeout=5) as r:  # noqa: S310 (http to ourselves)
                    answer = (r.status, r.read())
                break
            except OSError:
                if server.poll() is not None:
                    break
                time.sleep(0.2)
        assert answer is not None, server.communicate(timeout=5)[0].decode()[-2000:]
        assert answer[0] == 200 and b"ok" in answer[1]
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        output = server.communicate(timeout=40)[0].decode()
    assert '"request": "GET /api/v1/ping/ HTTP/1.1", "status": 200' in output


def test_deploy_systemd_units_start_each_process_once():
    units = {p.stem: p.read_text() for p in (ROOT / "deploy" / "systemd").glob("*.service")}
    assert set(units) == {"staffrota-web", "staffrota-worker", "staffrota-beat"}
    assert ".venv/bin/python deploy/serve.py" in units["staffrota-web"]
    assert "celery -A staffrota beat" in units["staffrota-beat"]
    for text in units.values():
        assert "EnvironmentFile=/etc/staffrota/env" in text and "User=staffrota" in text


def test_deploy_docs_cover_deployment_backups_monitoring_and_scaling():
    for page, phrase in {
        "deployment.md": "STAFFROTA_PRODUCTION=1",
        "backup-and-restore.md": "manage.py restore",
        "monitoring.md": "/metrics",
        "scaling.md": "Citus",
    }.items():
        assert phrase in (ROOT / "docs" / page).read_text(), page
