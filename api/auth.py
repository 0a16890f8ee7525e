"""Who may call a route: the bearer API key, checked against `app.state.keys`, and the roles a route allows."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.keys import KeyRing, Principal, Role
from api.problems import ProblemError

__all__ = ["Auditor", "Planner", "Reader", "require"]

# auto_error=False: a missing key must be a problem+json 401 raised here, not FastAPI's own error; the
# scheme still puts the bearer security requirement in the OpenAPI document.
bearer = HTTPBearer(
    auto_error=False,
    scheme_name="APIKey",
    bearerFormat="API key",
    description="An API key made with `planner keys add`, sent as `Authorization: Bearer <key>`.",
)

CHALLENGE = {"WWW-Authenticate": "Bearer"}


def require(*roles: Role) -> Callable[..., Awaitable[Principal]]:
    """A dependency that answers 401 without a known key, 403 for a role not in `roles`, else the principal."""
    if not roles:
        raise ValueError("require() needs at least one role")
    allowed = frozenset(roles)
    needed = " or ".join(sorted(allowed))

    async def authorize(
        request: Request, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
    ) -> Principal:
        principal = authenticate(request, credentials)
        if principal.role not in allowed:
            raise ProblemError(
                403, "Forbidden", f"The key's role, {principal.role}, may not do this; it needs {needed}."
            )
        return principal

    return authorize


def authenticate(request: Request, credentials: HTTPAuthorizationCredentials | None) -> Principal:
    """The holder of the presented key; a 401 problem when there is no key or no such key."""
    if credentials is None:
        detail = "This needs an API key, sent as `Authorization: Bearer <key>`."
        raise ProblemError(401, "Unauthorized", detail, headers=CHALLENGE)
    principal = key_ring(request).authenticate(credentials.credentials)
    if principal is None:
        raise ProblemError(401, "Unauthorized", "The API key is not one this service knows.", headers=CHALLENGE)
    return principal


def key_ring(request: Request) -> KeyRing:
    """The service's keys, which the application loads on startup."""
    keys = getattr(request.app.state, "keys", None)
    if not isinstance(keys, KeyRing):
        raise RuntimeError("app.state.keys holds no KeyRing; the application must load its keys on startup")
    return keys


Planner = Annotated[Principal, Depends(require(Role.PLANNER))]
Reader = Annotated[Principal, Depends(require(Role.PLANNER, Role.VIEWER))]
Auditor = Annotated[Principal, Depends(require(Role.AUDITOR))]
