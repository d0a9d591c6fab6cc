"""Create or revoke an API token from the shell; the token is printed once."""

from django.core.management.base import BaseCommand, CommandError

from staffrota.accounts.models import User
from staffrota.api.models import ApiToken, TokenKind, TokenScope
from staffrota.api.tokens import api_token_create, api_token_revoke


class Command(BaseCommand):
    help = "Create a token for a user (printed once), or revoke one by its hint."

    def add_arguments(self, parser):
        parser.add_argument("username", nargs="?")
        parser.add_argument("--name", default="Command line")
        parser.add_argument("--kind", choices=TokenKind.values, default=TokenKind.PERSONAL)
        parser.add_argument("--scope", choices=TokenScope.values, default=TokenScope.READ)
        parser.add_argument("--revoke", metavar="HINT", help="Revoke the token starting so.")

    def handle(self, *args, username=None, name, kind, scope, revoke, **options):
        if revoke:
            tokens = list(ApiToken.objects.filter(hint=revoke[:10], revoked_at__isnull=True))
            if len(tokens) != 1:
                raise CommandError(f"No single live token starts with {revoke!r}.")
            api_token_revoke(token=tokens[0])
            self.stdout.write(f"Revoked {tokens[0]}.")
            return
        user = User.objects.filter(username__iexact=username or "").first()
        if user is None:
            raise CommandError(f"No user {username!r}.")
        _, raw = api_token_create(user=user, name=name, kind=kind, scope=scope)
        self.stdout.write(raw)
