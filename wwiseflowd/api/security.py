"""The API's safety rules: loopback binding, the bearer token, the body size limit, file-path roots.

The path guard is shared with the MCP server, so every front door that accepts file paths from
outside refuses the same ones.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import re
import secrets
import threading
from collections.abc import Iterable, Mapping
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from wwiseflowd.results import ErrorCode, Result

if TYPE_CHECKING:
    from wwiseflowd.config import Settings
    from wwiseflowd.engine import Engine
    from wwiseflowd.registry import Registry

# -- binding and token -------------------------------------------------------------------------


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback IP addresses (127.0.0.0/8, ::1)."""
    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_bind(settings: Settings) -> Result:
    """Refuse a non-loopback ``[server] host`` unless ``[server] token`` is set."""
    host = settings.server.host
    if is_loopback(host) or settings.server.token:
        return Result.success({"host": host})
    return Result.failure(
        ErrorCode.CONFIG_ERROR,
        f"Refusing to serve the REST API on {host!r} without a token: anyone on the network could "
        f'drive Wwise. Set [server] token in wwiseflowd.toml, or bind host = "127.0.0.1".',
    )


def token_matches(authorization: str | None, token: str) -> bool:
    """True when an ``Authorization: Bearer <token>`` header carries ``token`` (constant-time)."""
    if not authorization:
        return False
    scheme, _, given = authorization.partition(" ")
    if scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(given.strip().encode(), token.encode())


# -- request body size ---------------------------------------------------------------------------


class BodySizeLimit:
    """ASGI middleware answering 413 PAYLOAD_TOO_LARGE once a request body exceeds ``max_bytes``.

    The body is read up front (it is bounded by the limit) and replayed to the app, so chunked
    uploads without a Content-Length are limited too.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(send)
            return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                # client went away before sending the body: let the app see the disconnect
                chunks_message: Message = message
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_bytes:
                await self._refuse(send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                chunks_message = {"type": "http.request", "body": b"".join(chunks), "more_body": False}
                break
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return chunks_message
            return await receive()

        await self.app(scope, replay, send)

    async def _refuse(self, send: Send) -> None:
        result = Result.failure(
            ErrorCode.PAYLOAD_TOO_LARGE,
            f"The request body is larger than {self.max_bytes} bytes. Send fewer files per request, "
            f"or raise [server] max_body_bytes in wwiseflowd.toml.",
        )
        body = json.dumps(result.model_dump(mode="json")).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})


# -- file paths ----------------------------------------------------------------------------------

#: keys whose values are always file-system paths, wherever they appear in a payload
FILE_KEYS: frozenset[str] = frozenset(
    {"filepath", "filepaths", "file", "files", "audiofile", "audiofiles", "folder", "directory"}
)
#: key endings that mark a path (``sourceFile``, ``outputDir``); checked when the value is absolute,
#: since relative values of such keys (``relativeDir``, ``originalsSubfolder``) name sub-folders
FILE_KEY_SUFFIXES: tuple[str, ...] = ("file", "files", "filepath", "dir", "directory", "folder", "folders")
#: inside a list of files, an object's ``path`` is the file (drop batches: ``{path, relativeDir}``)
FILE_ITEM_KEYS: frozenset[str] = frozenset({"path"})
#: JSON-schema formats pydantic gives Path, FilePath and DirectoryPath fields
PATH_FORMATS: frozenset[str] = frozenset({"path", "file-path", "directory-path"})

INPUT_PREFIX = "$input:"
FROM_PREFIX = "$from:"


def is_file_key(key: str) -> bool:
    """True when a payload key always names a file-system path (``filePath``, ``files``, ``audioFile``).

    Wwise object paths (``parentPath``, ``targetPath``, ``busPath``, ``path``) are not file paths.
    """
    return key.lower() in FILE_KEYS


def is_path_like_key(key: str) -> bool:
    """True when a key's name suggests a path (``outputDir``); its absolute values are checked."""
    return key.lower().endswith(FILE_KEY_SUFFIXES)


_WINDOWS_ABSOLUTE = re.compile(r"^([A-Za-z]:[\\/]|\\\\|//)")


def _is_absolute(value: Any) -> bool:
    if isinstance(value, str):
        return value.startswith("~") or Path(value).is_absolute() or bool(_WINDOWS_ABSOLUTE.match(value))
    if isinstance(value, list):
        return any(_is_absolute(item) for item in value)
    return False


@lru_cache(maxsize=512)
def path_fields(model: type[BaseModel]) -> frozenset[str]:
    """Fields of ``model`` typed as paths (``Path``, ``FilePath``, ``list[Path]``)."""
    found = set()
    for name, prop in model.model_json_schema().get("properties", {}).items():
        schemas = [prop, prop.get("items", {}), *prop.get("anyOf", []), *prop.get("allOf", [])]
        schemas += [s.get("items", {}) for s in prop.get("anyOf", []) if isinstance(s, dict)]
        if any(isinstance(s, dict) and s.get("format") in PATH_FORMATS for s in schemas):
            found.add(name)
    return frozenset(found)


class PathGuard:
    """Decides whether a file path from a request may be touched.

    ``allowed_roots`` from ``[server]``; when that list is empty, the drop folders of the
    ``[[watch]]`` rules are the roots; when there are none either, no file path is accepted.
    Paths are resolved (symlinks, ``..``, ``~``) before the check; relative paths resolve against
    the daemon's working directory, so send absolute paths.
    """

    def __init__(self, roots: Iterable[Path]) -> None:
        self.roots = tuple(Path(r).expanduser().resolve() for r in roots)

    @classmethod
    def from_settings(cls, settings: Settings) -> PathGuard:
        """The guard for ``settings``: ``allowed_roots``, else the drop folders."""
        roots = settings.server.allowed_roots or [rule.folder for rule in settings.watch]
        return cls(roots)

    def check_path(self, value: str, where: str) -> Result:
        """Ok (data: the resolved path) when ``value`` lies under an allowed root; FORBIDDEN or
        INVALID_INPUT otherwise."""
        try:
            resolved = Path(value).expanduser().resolve()
        except (OSError, ValueError, RuntimeError):
            return Result.failure(
                ErrorCode.INVALID_INPUT,
                f"{where}: {value!r} is not a usable file path; send an absolute path.",
            )
        if any(resolved == root or resolved.is_relative_to(root) for root in self.roots):
            return Result.success(str(resolved))
        if not self.roots:
            hint = "No folder is open to requests yet: add one to [server] allowed_roots in wwiseflowd.toml."
        else:
            listed = ", ".join(str(r) for r in self.roots)
            hint = (
                f"Allowed folders: {listed}. Move the file there or add its folder to [server] allowed_roots."
            )
        return Result.failure(
            ErrorCode.FORBIDDEN, f"{where}: {value!r} is outside the allowed folders. {hint}"
        )

    def check_payload(
        self,
        payload: Any,
        where: str,
        *,
        fields: frozenset[str] = frozenset(),
        inputs: Mapping[str, Any] | None = None,
    ) -> Result:
        """Walk a JSON payload; every file-path value (by key name or in ``fields``) must be allowed."""
        return self._payload_refused(payload, where, fields, inputs) or Result.success()

    def check_command(self, name: str, payload: Mapping[str, Any], registry: Registry) -> Result:
        """Check the payload of bus command ``name``."""
        spec = registry.commands.get(name)
        fields = path_fields(spec.input_model) if spec is not None else frozenset()
        return self.check_payload(dict(payload), f"command {name}", fields=fields)

    def check_workflow(
        self, document: Mapping[str, Any], inputs: Mapping[str, Any] | None, registry: Registry
    ) -> Result:
        """Check every node's ``data`` and the workflow inputs of a run."""
        declared = document.get("inputs")
        # a declared default is used when the caller leaves that input out, so it is checked too
        defaults = {
            name: spec["default"]
            for name, spec in (declared.items() if isinstance(declared, dict) else [])
            if isinstance(spec, dict) and "default" in spec
        }
        run_inputs = {**defaults, **dict(inputs or {})}
        # inputs declared with a path format are file paths whatever their name
        typed = frozenset(
            name
            for name, spec in (declared.items() if isinstance(declared, dict) else [])
            if isinstance(spec, dict) and spec.get("format") in PATH_FORMATS
        )
        refused = self._payload_refused(run_inputs, "inputs", typed, None)
        nodes = document.get("nodes")
        for node in nodes if isinstance(nodes, list) and refused is None else []:
            if not isinstance(node, dict):
                continue
            spec = registry.node_types.get(str(node.get("type")))
            fields = path_fields(spec.inputs) if spec is not None else frozenset()
            where = f"node {node.get('id')!r} data"
            refused = self._payload_refused(node.get("data") or {}, where, fields, run_inputs)
            if refused is not None:
                break
        return refused or Result.success()

    # the walk returns the first refusal, or None; no Result is built for values that pass

    def _value_refused(self, value: Any, where: str, inputs: Mapping[str, Any] | None) -> Result | None:
        if isinstance(value, str):
            if value.startswith(FROM_PREFIX):
                return None  # produced by an upstream node, not by the caller
            if value.startswith(INPUT_PREFIX):
                name = value[len(INPUT_PREFIX) :]
                if inputs is None or name not in inputs:
                    return None  # an unknown input is the compiler's error
                return self._value_refused(inputs[name], f"{where} (input {name!r})", None)
            checked = self.check_path(value, where)
            return None if checked.ok else checked
        if isinstance(value, list):
            for index, item in enumerate(value):
                refused = self._value_refused(item, f"{where}[{index}]", inputs)
                if refused is not None:
                    return refused
            return None
        if isinstance(value, dict):
            return self._payload_refused(value, where, FILE_ITEM_KEYS, inputs)
        return None

    def _payload_refused(
        self, payload: Any, where: str, fields: frozenset[str], inputs: Mapping[str, Any] | None
    ) -> Result | None:
        if isinstance(payload, list):
            for index, item in enumerate(payload):
                refused = self._payload_refused(item, f"{where}[{index}]", frozenset(), inputs)
                if refused is not None:
                    return refused
            return None
        if not isinstance(payload, dict):
            return None
        for key, value in payload.items():
            name = str(key)
            if name in fields or is_file_key(name) or (is_path_like_key(name) and _is_absolute(value)):
                refused = self._value_refused(value, f"{where}.{name}", inputs)
            elif isinstance(value, dict | list):
                refused = self._payload_refused(value, f"{where}.{name}", frozenset(), inputs)
            else:
                continue
            if refused is not None:
                return refused
        return None


def checked_compile(
    engine: Engine, guard: PathGuard, document: Mapping[str, Any], inputs: Mapping[str, Any] | None
) -> Result:
    """What a front door does before any run: the path check, then compile (plan, or the errors)."""
    checked = guard.check_workflow(document, inputs, engine.registry)
    return checked if not checked.ok else engine.compile(document)


# -- editor sessions: one-time login token -> HttpOnly session cookie + CSRF header ---------------

SESSION_COOKIE = "wwiseflowd_session"
#: readable by the page, which echoes it in :data:`CSRF_HEADER` on every state-changing request
CSRF_COOKIE = "wwiseflowd_csrf"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class SessionStore:
    """Editor sessions of one app, in memory (a restart signs everyone out, like Jupyter).

    ``wwiseflowd run`` prints an editor URL carrying a one-time login token; the page exchanges it
    (or the ``[server] token`` itself) for a session cookie. Each session has its CSRF secret.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._login_tokens: set[str] = set()
        self._sessions: dict[str, str] = {}  # session id -> csrf secret

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
            self._sessions[session] = csrf
            return session, csrf

    def logout(self, session: str | None) -> None:
        """Forget a session."""
        with self._lock:
            self._sessions.pop(session or "", None)

    def check(self, session: str | None, csrf: str | None, method: str) -> bool:
        """True for a known session whose request is safe or carries the session's CSRF secret."""
        if not session:
            return False
        with self._lock:
            expected = self._sessions.get(session)
        if expected is None:
            return False
        if method.upper() in SAFE_METHODS:
            return True
        return csrf is not None and hmac.compare_digest(csrf.encode(), expected.encode())

    def known(self, session: str | None) -> bool:
        """True when ``session`` is a live session id."""
        with self._lock:
            return bool(session) and session in self._sessions
