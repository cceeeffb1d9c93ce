"""Who may do what through the API: reads are open, changes need the API token.

Like a real HDHomeRun, reading is open on the LAN. A request that changes something (any method
but GET, HEAD and OPTIONS) needs ``Authorization: Bearer TOKEN`` unless it comes from this
machine's loopback: a person on the machine can read the token file anyway, so asking them for
it protects nothing. ``--api-auth all`` puts reads behind the token too, with the same loopback
exception. A missing or wrong token is a 401 with the API's JSON error and
``WWW-Authenticate: Bearer``, logged with the client's address (never the token), at most once
a minute per address so that a script looping on a wrong token cannot flood the log.
"""

from __future__ import annotations

import enum
import hmac
import logging
from collections.abc import Callable
from dataclasses import dataclass

from quart import Blueprint, Response, request

from hdhr_emulator.server.api.errors import error_response
from hdhr_emulator.server.log_limiter import OncePerPeriod
from hdhr_emulator.util import is_loopback

log = logging.getLogger(__name__)

REFUSED = "missing or wrong API token"
READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
AUTH_CONFIG_KEY = "RETROVUE_API_AUTH"  # the rule, for the OpenAPI document (.schema)


class AuthScope(enum.StrEnum):
    """What needs the token from other machines (``--api-auth``)."""

    WRITES = "writes"  # requests that change state
    ALL = "all"  # reads too


@dataclass(frozen=True, slots=True)
class ApiAuth:
    """The API's access rule: ``token()`` is the current token (None: no token exists, so only
    loopback may change anything) and ``scope`` what it guards."""

    token: Callable[[], str | None]
    scope: AuthScope = AuthScope.WRITES

    def guards(self, method: str) -> bool:
        """Whether a request with ``method`` needs the token when not from loopback."""
        return self.scope is AuthScope.ALL or method.upper() not in READ_METHODS

    def admits(self, authorization: str | None) -> bool:
        """Whether an ``Authorization`` header carries the token (compared in constant time)."""
        expected = self.token()
        offered = _bearer(authorization)
        if expected is None or offered is None:
            return False
        return hmac.compare_digest(offered.encode(), expected.encode())


LOOPBACK_ONLY = ApiAuth(lambda: None)
"""For apps built without a token (tests, embedding): changes only from this machine."""


def _bearer(authorization: str | None) -> str | None:
    """The credentials of a ``Bearer`` Authorization header (the scheme is case-insensitive)."""
    if not authorization:
        return None
    scheme, _, credentials = authorization.strip().partition(" ")
    credentials = credentials.strip()
    if scheme.lower() != "bearer" or not credentials:
        return None
    return credentials


def unauthorized() -> Response:
    response = error_response(401, REFUSED)
    response.headers["WWW-Authenticate"] = "Bearer"
    return response


def register(blueprint: Blueprint, auth: ApiAuth) -> None:
    """Check every request to ``blueprint`` before its route runs (and tell the OpenAPI
    document the rule)."""
    refusals = OncePerPeriod(log, period=60.0)
    blueprint.record_once(lambda state: state.app.config.update({AUTH_CONFIG_KEY: auth}))

    @blueprint.before_request
    async def _require_token() -> Response | None:
        if not auth.guards(request.method) or is_loopback(request.remote_addr):
            return None
        if auth.admits(request.headers.get("Authorization")):
            return None
        address = request.remote_addr or "an unknown address"
        refusals.event(
            address,
            f"refused {request.method} {request.path} from {address}: {REFUSED}",
        )
        return unauthorized()
