"""DRF authentication by ``Authorization: Token <key>`` against hashed ApiTokens (audit/api_tokens.py)."""
from rest_framework import authentication, exceptions

from audit.api_tokens import ApiToken


class ApiTokenAuthentication(authentication.TokenAuthentication):
    """The same header as DRF's token authentication, so clients need no change; only the storage differs."""

    def authenticate_credentials(self, key: str):
        token = ApiToken.objects.authenticate(key)
        if token is None:
            raise exceptions.AuthenticationFailed("Invalid or revoked token.")
        return token.user, token
