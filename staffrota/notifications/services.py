"""Outgoing e-mail, sent by a background job so a slow mail server never slows a page."""

from django.db import transaction

from staffrota.notifications.tasks import send_email


def email_queue(*, to: list[str], subject: str, body: str) -> None:
    """Send after the surrounding transaction commits; nothing is sent if it rolls back."""
    recipients = [address for address in to if address]
    if not recipients:
        return
    transaction.on_commit(lambda: send_email.delay(to=recipients, subject=subject, body=body))
