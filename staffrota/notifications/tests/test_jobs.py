"""E-mail jobs: queued only after commit, and run by a real Celery worker over the broker."""

from unittest import mock

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail
from django.db import transaction

from staffrota.celery import app
from staffrota.notifications import tasks
from staffrota.notifications.services import email_queue, email_queue_all

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


def test_several_emails_go_in_one_job_in_order(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        email_queue_all(
            [
                {"to": ["a@example.org"], "subject": "First", "body": "1"},
                {"to": [""], "subject": "Nobody", "body": "-"},
                {"to": ["b@example.org", "c@example.org"], "subject": "Second", "body": "2"},
            ]
        )
    assert len(callbacks) == 1 and mail.outbox == []  # one job, and only after commit
    callbacks[0]()
    assert [(m.to, m.subject, m.body) for m in mail.outbox] == [
        (["a@example.org"], "First", "1"),
        (["b@example.org", "c@example.org"], "Second", "2"),
    ]


def test_several_emails_are_dropped_with_the_savepoint_they_were_written_in(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        email_queue(to=["kept@example.org"], subject="Kept", body="x")
        try:
            with transaction.atomic():
                email_queue_all(
                    [
                        {"to": ["a@example.org"], "subject": "Gone 1", "body": "x"},
                        {"to": ["b@example.org"], "subject": "Gone 2", "body": "x"},
                    ]
                )
                raise RuntimeError("the approval failed")
        except RuntimeError:
            pass
    assert [m.subject for m in mail.outbox] == ["Kept"]


def test_one_email_of_several_goes_as_the_single_email_job(django_capture_on_commit_callbacks):
    with (
        mock.patch.object(tasks.send_email, "delay") as single,
        django_capture_on_commit_callbacks(execute=True),
    ):
        email_queue_all([{"to": ["a@example.org"], "subject": "Only", "body": "x"}])
    single.assert_called_once_with(to=["a@example.org"], subject="Only", body="x")


def test_a_refused_email_is_retried_alone(monkeypatch):
    """The others are not sent twice: the refused one goes to the single e-mail job."""
    real_send = tasks.EmailMessage.send

    def send(message, *args, **kwargs):
        if message.subject == "Refused":
            raise OSError("mail server down")
        return real_send(message, *args, **kwargs)

    monkeypatch.setattr(tasks.EmailMessage, "send", send)
    with mock.patch.object(tasks.send_email, "delay") as retry:
        sent = tasks.send_emails(
            messages=[
                {"to": ["a@example.org"], "subject": "Sent", "body": "1"},
                {"to": ["b@example.org"], "subject": "Refused", "body": "2"},
                {"to": ["c@example.org"], "subject": "Sent too", "body": "3"},
            ]
        )
    assert sent == 2
    assert [m.subject for m in mail.outbox] == ["Sent", "Sent too"]
    retry.assert_called_once_with(to=["b@example.org"], subject="Refused", body="2")


def test_any_failing_email_goes_on_alone_and_the_rest_are_sent(monkeypatch):
    """Not only a refused connection: a message that cannot be built or sent for any other
    reason must not stop the ones after it (each used to be its own job)."""
    real_send = tasks.EmailMessage.send

    def send(message, *args, **kwargs):
        if message.subject == "Broken":
            raise ValueError("header cannot contain a newline")
        return real_send(message, *args, **kwargs)

    monkeypatch.setattr(tasks.EmailMessage, "send", send)
    with mock.patch.object(tasks.send_email, "delay") as alone:
        sent = tasks.send_emails(
            messages=[
                {"to": ["a@example.org"], "subject": "Broken", "body": "1"},
                {"to": ["b@example.org"], "subject": "After it", "body": "2"},
            ]
        )
    assert sent == 1
    assert [m.subject for m in mail.outbox] == ["After it"]
    alone.assert_called_once_with(to=["a@example.org"], subject="Broken", body="1")
