"""The deployment files hang together (docker cannot run here, so read them instead)."""

import runpy
from pathlib import Path

import yaml
from django.conf import settings

ROOT = Path(settings.BASE_DIR)


def test_deploy_compose_runs_web_worker_beat_postgres_and_redis():
    compose = yaml.safe_load((ROOT / "deploy" / "docker-compose.yml").read_text())
    services = compose["services"]
    assert set(services) == {"web", "worker", "beat", "db", "redis"}
    assert "gunicorn" in services["web"]["command"]
    assert services["worker"]["command"].startswith("celery -A staffrota worker")
    assert services["beat"]["command"].startswith("celery -A staffrota beat")
    assert services["db"]["image"] == "postgres:15"
    assert services["web"]["environment"]["STAFFROTA_PRODUCTION"] == "1"


def test_deploy_gunicorn_config_loads_and_binds():
    config = runpy.run_path(str(ROOT / "deploy" / "gunicorn.conf.py"))
    assert config["workers"] >= 2 and config["timeout"] == 60
    # Threaded workers keep connections alive; sync workers would close each one.
    assert config["worker_class"] == "gthread" and config["threads"] >= 2
    assert config["keepalive"] > 60  # outlives nginx's upstream keepalive_timeout
    assert callable(config["child_exit"])


def test_deploy_systemd_units_start_each_process_once():
    units = {p.stem: p.read_text() for p in (ROOT / "deploy" / "systemd").glob("*.service")}
    assert set(units) == {"staffrota-web", "staffrota-worker", "staffrota-beat"}
    assert "gunicorn -c deploy/gunicorn.conf.py" in units["staffrota-web"]
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
