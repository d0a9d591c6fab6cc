"""Creating and revoking API tokens: the raw token exists only in the return value."""

from django.utils import timezone

from staffrota.api.models import ApiToken, TokenKind, TokenScope, token_digest, token_generate


def api_token_create(
    *,
    user,
    name: str,
    kind: str = TokenKind.PERSONAL,
    scope: str = TokenScope.READ,
    created_by=None,
    expires_at=None,
) -> tuple[ApiToken, str]:
    """Make a token for `user`; returns the row and the raw token, which is shown once."""
    raw = token_generate()
    token = ApiToken.objects.create(
        user=user,
        name=name,
        kind=kind,
        scope=scope,
        digest=token_digest(raw),
        hint=raw[:10],
        created_by=created_by,
        expires_at=expires_at,
    )
    return token, raw


def api_token_revoke(*, token: ApiToken) -> ApiToken:
    """Stop a token working at once. The row stays, so its history can still be read."""
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token
