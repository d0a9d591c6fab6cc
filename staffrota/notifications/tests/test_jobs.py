"""E-mail jobs: queued only after commit, and run by a real Celery worker over the broker."""

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail
from django.db import transaction

from staffrota.celery import app
from staffrota.notifications.services import email_queue

pytestmark = pytest.mark.django_db


def test_email_is_not_queued_when_the_transaction_rolls_back(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                email_queue(to=["a@example.org"], subject="Shift", body="x")
                raise RuntimeError("the write failed")
        except RuntimeError:
            pass
    assert callbacks == []
    assert mail.outbox == []


def test_email_is_queued_on_commit_and_sent(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        email_queue(to=["a@example.org", ""], subject="Your rota", body="Published")
    assert mail.outbox == []  # nothing leaves before commit
    for callback in callbacks:
        callback()
    assert [(m.to, m.subject) for m in mail.outbox] == [(["a@example.org"], "Your rota")]


def test_real_worker_runs_the_email_job_through_the_broker():
    """No eager shortcut: the message goes through the configured broker to a worker."""
    app.conf.task_always_eager = False
    # Start from an empty queue: a message left by an earlier run (Redis keeps them between
    # runs; the file-system broker keeps them in var/) would be worked through first.
    app.control.purge()
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            result = app.send_task(
                "staffrota.notifications.tasks.send_email",
                kwargs={"to": ["b@example.org"], "subject": "Via worker", "body": "hello"},
            )
            # Without a result backend, wait on the outbox the worker writes to.
            import time

            deadline = time.monotonic() + 60  # generous: CI machines can be busy
            while not mail.outbox and time.monotonic() < deadline:
                time.sleep(0.1)
        assert result.id
        assert [m.subject for m in mail.outbox] == ["Via worker"]
    finally:
        app.conf.task_always_eager = True
