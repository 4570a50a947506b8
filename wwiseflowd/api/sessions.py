"""Editor sessions: a one-time login token (or the ``[server] token``) becomes an HttpOnly session
cookie with its own CSRF secret. Sessions are kept in the state directory, so restarting the daemon
does not sign the sound designers out.

What is on disk (``<state_dir>/editor-sessions.json``, mode 0600) cannot sign anyone in: it holds the
sha256 of each session id (the cookie itself never touches the disk), the session's CSRF secret
(useless without the cookie), when it expires, and the sha256 of the server token the sessions were
opened under. Changing ``[server] token`` therefore signs everybody out, as rotating a token should.
One-time login tokens stay in memory: ``wwiseflowd run`` prints a fresh one at every start.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from loguru import logger

SESSION_COOKIE = "wwiseflowd_session"
#: readable by the page, which echoes it in :data:`CSRF_HEADER` on every state-changing request
CSRF_COOKIE = "wwiseflowd_csrf"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
#: how long a session lasts after sign-in (the cookies' Max-Age too)
SESSION_MAX_AGE_S = 14 * 24 * 3600
#: the file name under the state directory
SESSIONS_FILE = "editor-sessions.json"


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class _Session:
    csrf: str
    expires: float


class SessionStore:
    """Editor sessions of one app; persisted to ``path`` when given (else in memory only)."""

    def __init__(self, path: Path | None = None, server_token: str | None = None,
                 max_age_s: float = SESSION_MAX_AGE_S) -> None:
        self.path = path
        self.max_age_s = max_age_s
        self._token_digest = _digest(server_token or "")
        self._lock = threading.Lock()
        self._login_tokens: set[str] = set()
        self._sessions: dict[str, _Session] = {}  # sha256(session id) -> session
        self._loaded_mtime: float | None = None
        self._load()

    # -- one-time tokens and sign-in ----------------------------------------------------------

    def issue_login_token(self) -> str:
        """A new one-time login token (valid until used or the daemon stops)."""
        token = secrets.token_urlsafe(24)
        with self._lock:
            self._login_tokens.add(token)
        return token

    def login(self, given: str, server_token: str) -> tuple[str, str] | None:
        """``(session id, csrf secret)`` for a valid one-time token (consumed) or the server token."""
        with self._lock:
            one_time = next((t for t in self._login_tokens if hmac.compare_digest(t, given)), None)
            if one_time is not None:
                self._login_tokens.discard(one_time)
            elif not (server_token and hmac.compare_digest(given.encode(), server_token.encode())):
                return None
            session, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(24)
            self._sessions[_digest(session)] = _Session(csrf, time.time() + self.max_age_s)
            self._save()
            return session, csrf

    def logout(self, session: str | None) -> None:
        """Forget a session."""
        with self._lock:
            if self._sessions.pop(_digest(session or ""), None) is not None:
                self._save()

    # -- checks -------------------------------------------------------------------------------

    def check(self, session: str | None, csrf: str | None, method: str) -> bool:
        """True for a live session whose request is safe or carries the session's CSRF secret."""
        found = self._find(session)
        if found is None:
            return False
        if method.upper() in SAFE_METHODS:
            return True
        return csrf is not None and hmac.compare_digest(csrf.encode(), found.csrf.encode())

    def known(self, session: str | None) -> bool:
        """True when ``session`` is a live session id."""
        return self._find(session) is not None

    def _find(self, session: str | None) -> _Session | None:
        if not session:
            return None
        key = _digest(session)
        with self._lock:
            found = self._sessions.get(key)
            if found is None and self._changed_on_disk():
                self._load_locked()  # another process of this daemon signed someone in
                found = self._sessions.get(key)
        return found if found is not None and found.expires > time.time() else None

    # -- the file -----------------------------------------------------------------------------

    def _changed_on_disk(self) -> bool:
        if self.path is None:
            return False
        try:
            return self.path.stat().st_mtime != self._loaded_mtime
        except OSError:
            return False

    def _load(self) -> None:
        with self._lock:
            self._load_locked()

    def _load_locked(self) -> None:
        if self.path is None or not self.path.exists():
            return
        try:
            self._loaded_mtime = self.path.stat().st_mtime
            stored = json.loads(self.path.read_text(encoding="utf-8"))
            if stored.get("token") != self._token_digest:
                self._sessions = {}  # opened under another server token: signed out
                return
            now = time.time()
            self._sessions = {
                key: _Session(str(entry["csrf"]), float(entry["expires"]))
                for key, entry in dict(stored.get("sessions", {})).items()
                if float(entry["expires"]) > now
            }
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            logger.warning("Ignoring the editor sessions in {} ({}); editors sign in again.", self.path, exc)

    def _save(self) -> None:
        """Write the live sessions atomically, readable by this user only (called under the lock)."""
        if self.path is None:
            return
        now = time.time()
        body = {
            "token": self._token_digest,
            "sessions": {k: {"csrf": s.csrf, "expires": s.expires} for k, s in self._sessions.items()
                         if s.expires > now},
        }
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}.tmp")
            descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
                json.dump(body, handle)
            os.replace(temporary, self.path)
            self._loaded_mtime = self.path.stat().st_mtime
        except OSError as exc:  # the session still works until the daemon restarts
            logger.warning("Could not keep the editor sessions in {}: {}", self.path, exc)


__all__ = ["CSRF_COOKIE", "CSRF_HEADER", "SAFE_METHODS", "SESSIONS_FILE", "SESSION_COOKIE",
           "SESSION_MAX_AGE_S", "SessionStore"]
