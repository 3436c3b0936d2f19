"""Issues a new REST API token for a user and prints it once (only its digest is stored).

Owners and operators can also create and revoke their tokens themselves at /account/api-tokens/.
"""
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from audit.api_tokens import ApiToken


class Command(BaseCommand):
    help = "Prints a new API token for a user (shown once). --rotate revokes the user's other tokens first."

    def add_arguments(self, parser) -> None:
        parser.add_argument("username")
        parser.add_argument("--name", default="Issued with manage.py issue_api_token",
                            help="What the token is for (shown in the token list).")
        parser.add_argument("--rotate", action="store_true", help="Revoke the user's existing tokens.")

    def handle(self, *args, username: str, name: str, rotate: bool, **options) -> None:
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user named {username!r}.")
        if rotate:
            for token in ApiToken.objects.active().filter(user=user):
                token.revoke()
        _, key = ApiToken.objects.issue(user, name)
        self.stderr.write(f"New token for {username}; it is shown only now (send it as 'Authorization: Token <token>'):")
        self.stdout.write(key)
