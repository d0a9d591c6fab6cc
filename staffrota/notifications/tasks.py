from celery import shared_task
from django.core.mail import EmailMessage


@shared_task(autoretry_for=(OSError,), retry_backoff=30, max_retries=5)
def send_email(*, to: list[str], subject: str, body: str) -> int:
    """Send one plain-text e-mail through Django's mail framework; retried if SMTP is down."""
    return EmailMessage(subject=subject, body=body, to=to).send()


@shared_task
def send_emails(*, messages: list[dict]) -> int:
    """Send several e-mails in order. One that fails is handed to `send_email`, whose
    retries (or failure) then cover that message alone, as when each was its own job:
    retrying this whole job would send the others twice, and stopping here would lose the
    ones after it."""
    sent = 0
    for message in messages:
        try:
            sent += EmailMessage(
                subject=message["subject"], body=message["body"], to=message["to"]
            ).send()
        except Exception:  # noqa: BLE001 - any failure: that message alone goes on its own
            send_email.delay(to=message["to"], subject=message["subject"], body=message["body"])
    return sent
