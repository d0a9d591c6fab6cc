"""Outgoing e-mail, sent by a background job so a slow mail server never slows a page."""

from django.db import transaction

from staffrota.notifications.tasks import send_email, send_emails


def email_queue(*, to: list[str], subject: str, body: str) -> None:
    """Send after the surrounding transaction commits; nothing is sent if it rolls back."""
    recipients = [address for address in to if address]
    if not recipients:
        return
    transaction.on_commit(lambda: send_email.delay(to=recipients, subject=subject, body=body))


def email_queue_all(messages: list[dict]) -> None:
    """Several e-mails (each a dict of `to`, `subject`, `body`) written together, sent
    after the surrounding transaction commits, in this order, by one job; nothing is sent
    if it rolls back. Why: publishing a job costs some 1,600 Python calls, and a referred
    leave request e-mails the person and their managers at once."""
    messages = [
        {"to": recipients, "subject": message["subject"], "body": message["body"]}
        for message in messages
        if (recipients := [address for address in message["to"] if address])
    ]
    if len(messages) == 1:
        email_queue(**messages[0])
    elif messages:
        transaction.on_commit(lambda: send_emails.delay(messages=messages))
