"""Keeps an uploaded file between the preview and the confirmation, for its uploader only."""

import uuid
from pathlib import Path

from django.conf import settings
from django.core import signing

SALT = "staffrota.imports"
MAX_AGE_SECONDS = 60 * 60


def _folder() -> Path:
    folder = Path(settings.VAR_DIR) / "imports"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def upload_keep(*, data: bytes, filename: str, kind: str, home_id: int, user_id: int) -> str:
    """Store the file; returns a signed ticket naming it, the kind, home and uploader."""
    key = uuid.uuid4().hex
    (_folder() / key).write_bytes(data)
    payload = {"key": key, "name": filename, "kind": kind, "home": home_id, "user": user_id}
    return signing.dumps(payload, salt=SALT)


def upload_load(*, ticket: str, user_id: int) -> tuple[dict, bytes] | None:
    """The ticket's details and file, or None if it is forged, stale or someone else's."""
    try:
        payload = signing.loads(ticket, salt=SALT, max_age=MAX_AGE_SECONDS)
    except signing.BadSignature:
        return None
    path = _folder() / payload["key"]
    if payload["user"] != user_id or not path.exists():
        return None
    return payload, path.read_bytes()


def upload_discard(ticket_payload: dict) -> None:
    (_folder() / ticket_payload["key"]).unlink(missing_ok=True)
