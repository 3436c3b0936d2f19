"""OAuth 2.0 (password and refresh_token grants) and the legacy cookie login, with the API Login Limit.

Reference: acumatica-api.md section 2 -- POST /identity/connect/token (form encoded), client_id
"<GUID>@<Tenant>", scopes api / offline_access, every refresh returns a new refresh token (discard the
old one), Bearer tokens; POST /entity/auth/login {name, password, tenant|company, branch, locale} -> 204
with cookies, logout -> 204; sessions count against the licence's concurrent-user cap ("API Login Limit").
"""
import datetime as dt
import hmac
import secrets

from django.db import transaction
from django.utils import timezone

from .models import ApiSession, Instance, RefreshToken

COOKIE_NAME = "ASP.NET_SessionId"
LOGIN_LIMIT = "API Login Limit"


class AuthError(Exception):
    def __init__(self, status: int, body: dict):
        super().__init__(body)
        self.status, self.body = status, body


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


def active_sessions(instance: Instance):
    return ApiSession.objects.filter(instance=instance, closed=False, expires_at__gt=timezone.now())


def _check_login_limit(instance: Instance) -> bool:
    return instance.max_sessions == 0 or active_sessions(instance).count() < instance.max_sessions


def _new_session(instance: Instance, kind: str, seconds: int) -> ApiSession:
    return ApiSession.objects.create(instance=instance, kind=kind, token=secrets.token_urlsafe(32),
                                     expires_at=timezone.now() + dt.timedelta(seconds=seconds))


# Reference: acumatica-api.md section 2 (OAuth token endpoint, grants, rotation).
@transaction.atomic
def token_grant(instance: Instance, form: dict) -> dict:
    """Answers the token endpoint body; raises AuthError with an OAuth error body."""
    Instance.objects.select_for_update().filter(pk=instance.pk).first()   # serialise the limit check
    if not (_same(form.get("client_id", ""), instance.client_id)
            and _same(form.get("client_secret", ""), instance.client_secret)):
        raise AuthError(400, {"error": "invalid_client"})
    grant = form.get("grant_type")
    if grant == "password":
        session = _password_grant(instance, form)
    elif grant == "refresh_token":
        session = _refresh_grant(instance, form.get("refresh_token", ""))
    else:
        raise AuthError(400, {"error": "unsupported_grant_type"})
    scopes = set((form.get("scope") or "api").split())
    body = {"access_token": session.token, "expires_in": instance.access_token_seconds,
            "token_type": "Bearer", "scope": " ".join(sorted(scopes))}
    if "offline_access" in scopes or grant == "refresh_token":
        refresh = RefreshToken.objects.create(
            session=session, token=secrets.token_urlsafe(32),
            expires_at=timezone.now() + dt.timedelta(seconds=instance.refresh_token_seconds))
        body["refresh_token"] = refresh.token
    return body


def _password_grant(instance: Instance, form: dict) -> ApiSession:
    if not (_same(form.get("username", ""), instance.username) and _same(form.get("password", ""), instance.password)):
        raise AuthError(400, {"error": "invalid_grant", "error_description": "invalid_username_or_password"})
    if "api" not in (form.get("scope") or "").split():
        raise AuthError(400, {"error": "invalid_scope"})
    if not _check_login_limit(instance):
        raise AuthError(429, {"error": "invalid_grant", "error_description": LOGIN_LIMIT})
    return _new_session(instance, ApiSession.Kind.OAUTH, instance.access_token_seconds)


def _refresh_grant(instance: Instance, token: str) -> ApiSession:
    refresh = (RefreshToken.objects.select_related("session")
               .filter(token=token, session__instance=instance).first()) if token else None
    if refresh is None or refresh.used or refresh.expires_at <= timezone.now():
        raise AuthError(400, {"error": "invalid_grant"})
    refresh.used = True
    refresh.save(update_fields=["used"])
    session = refresh.session
    # A refresh reopens the same API session with a new access token; the old one stops working.
    session.token = secrets.token_urlsafe(32)
    session.closed = False
    session.expires_at = timezone.now() + dt.timedelta(seconds=instance.access_token_seconds)
    session.save()
    return session


# Reference: acumatica-api.md section 2 (legacy cookie login / logout, 10-minute idle timeout).
@transaction.atomic
def cookie_login(instance: Instance, body: dict) -> ApiSession:
    Instance.objects.select_for_update().filter(pk=instance.pk).first()
    tenant = body.get("tenant") or body.get("company")
    if body.get("tenant") and body.get("company"):
        raise AuthError(400, {"message": "Specify either tenant or company, not both."})
    if tenant and tenant != instance.company:
        raise AuthError(400, {"message": "You have specified an invalid tenant."})
    if not (_same(str(body.get("name", "")), instance.username)
            and _same(str(body.get("password", "")), instance.password)):
        raise AuthError(400, {"message": "Invalid credentials. Please try again."})
    if not _check_login_limit(instance):
        raise AuthError(429, {"message": f"{LOGIN_LIMIT}: the number of concurrent API users has been exceeded.",
                              "exceptionMessage": LOGIN_LIMIT})
    return _new_session(instance, ApiSession.Kind.COOKIE, instance.cookie_idle_seconds)


# Reference: OAuthOIDC_GettingStarted_SignOut ("OAuth 2.0 and OIDC: Session Management", [DOC] in
# reference/acumatica-api.md §2): an `api`-scope session stays open until its token expires, and the guide
# tells OAuth clients to "call the sign-out method" when done because the session counts against the API
# user limit; the official client's Logout posts /entity/auth/logout with its Bearer header ([CS] AuthApi.cs).
# So a logout carrying a Bearer token ends that OAuth session (and frees its seat); the token stops working.
def sign_out(instance: Instance, authorization: str, cookie: str | None) -> None:
    if authorization.startswith("Bearer "):
        ApiSession.objects.filter(instance=instance, token=authorization[7:].strip(),
                                  kind=ApiSession.Kind.OAUTH).update(closed=True)
    if cookie:
        ApiSession.objects.filter(instance=instance, token=cookie, kind=ApiSession.Kind.COOKIE).update(closed=True)


def authenticate(instance: Instance, authorization: str, cookie: str | None) -> ApiSession | None:
    """The live session behind a Bearer token or session cookie; cookie sessions slide on use."""
    if authorization.startswith("Bearer "):
        session = active_sessions(instance).filter(token=authorization[7:].strip(), kind="oauth").first()
        return session
    if cookie:
        session = active_sessions(instance).filter(token=cookie, kind="cookie").first()
        if session is not None:
            session.expires_at = timezone.now() + dt.timedelta(seconds=instance.cookie_idle_seconds)
            session.save(update_fields=["expires_at"])
        return session
    return None
