"""The login wall of `newsdesk serve`: what gradio's own `auth` leaves open, closed.

gradio checks the login on its API routes, but not on every route it serves: `/openapi.json`, the queue's
`/gradio_api/cancel` and `/gradio_api/reset` answered without one, and a wrong password could be tried as
fast as the network allows. Two pieces, both handed to gradio's `launch`:

* `LoginGuard.check` is the `auth` callable: it compares the password in constant time and, after
  `max_failures` wrong attempts for a user name (or for the server as a whole) within `window` seconds,
  refuses every attempt, right or wrong, for `window` seconds.
* `LoginGuard.require_login` is a FastAPI dependency of every API route (`app_kwargs["dependencies"]`): a
  request without a valid session gets 401 unless its route is one the login page itself needs.
  FastAPI does not put the OpenAPI schema behind app dependencies, so the schema is switched off and served
  again (`openapi_route`) behind the same check.
"""

from __future__ import annotations

import hmac
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from fastapi import Depends, HTTPException, Request, status

# Routes the login page needs before anyone has logged in (gradio answers 401 itself where it must).
_OPEN_PATHS = frozenset(
    {
        "/",
        "/login",
        "/login/",
        "/login_check",
        "/login_check/",
        "/logout",
        "/user",
        "/user/",
        "/config",
        "/config/",
        "/theme.css",
        "/favicon.ico",
        "/manifest.json",
        "/gradio_api/startup-events",
    }
)
_LOCAL_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


def is_loopback(host: str) -> bool:
    return host in _LOCAL_HOSTS or host.startswith("127.")


class LoginGuard:
    def __init__(
        self,
        login: tuple[str, str],
        max_failures: int = 5,
        window: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._user, self._password = login
        self.max_failures = max_failures
        self.window = window
        self._clock = clock
        self._lock = threading.Lock()
        self._failures: dict[str, deque[float]] = {}
        self._blocked_until: dict[str, float] = {}
        self.tokens: dict[str, str] | None = None  # gradio's session tokens, set once the app exists
        self.cookie_names: tuple[str, ...] = ()

    def check(self, user: str, password: str) -> bool:
        """gradio's `auth` callable: the login is right and nobody is locked out."""
        now = self._clock()
        with self._lock:
            if any(self._blocked_until.get(key, 0.0) > now for key in (user, "*")):
                return False
            right = hmac.compare_digest(user.encode(), self._user.encode()) & hmac.compare_digest(
                password.encode(), self._password.encode()
            )
            if right:
                return True
            for key, limit in ((user, self.max_failures), ("*", self.max_failures * 6)):
                failures = self._failures.setdefault(key, deque())
                failures.append(now)
                while failures and failures[0] <= now - self.window:
                    failures.popleft()
                if len(failures) >= limit:
                    self._blocked_until[key] = now + self.window
                    failures.clear()
            return False

    def app_kwargs(self) -> dict[str, Any]:
        """For gradio's `launch(app_kwargs=...)`: every API route behind `require_login`, no open schema."""
        return {
            "dependencies": [Depends(self.require_login)],
            "openapi_url": None,
            "docs_url": None,
            "redoc_url": None,
        }

    def attach(self, app: Any) -> None:
        """Read gradio's session tokens and cookie names from its app (known once `launch` made it)."""
        self.tokens = app.tokens
        self.cookie_names = (f"access-token-{app.cookie_id}", f"access-token-unsecure-{app.cookie_id}")

    def logged_in(self, request: Request) -> bool:
        if self.tokens is None:
            return False
        return any(request.cookies.get(name) in self.tokens for name in self.cookie_names)

    def require_login(self, request: Request) -> None:
        """FastAPI dependency: 401 for a request without a session, but on the login page's own routes."""
        path = request.url.path
        if path in _OPEN_PATHS or self.logged_in(request):
            return
        raise HTTPException(status_code=status.HTTP_401_UNAUTHORIZED, detail="Not authenticated")
