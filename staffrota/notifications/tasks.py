from celery import shared_task
from django.core.mail import EmailMessage


@shared_task(autoretry_for=(OSError,), retry_backoff=30, max_retries=5)
def send_email(*, to: list[str], subject: str, body: str) -> int:
    """Send one plain-text e-mail through Django's mail framework; retried if SMTP is down."""
    return EmailMessage(subject=subject, body=body, to=to).send()
