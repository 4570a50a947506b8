"""REAPER's web remote (Preferences > Control/OSC/web > "Web browser interface"), as a client.

Requests are ``GET /_/CMD;CMD;...``; replies are lines of tab-separated fields (REAPER's main.js
documents them): ``REGION_LIST`` / ``REGION \\t name \\t id \\t start \\t end \\t color`` /
``REGION_LIST_END``, the same for markers, ``TRANSPORT \\t playstate \\t position ...``. Numeric
commands run actions; 42230 is "File: Render project, using the most recent render settings,
auto-close render dialog". Optional HTTP Basic auth.

REAPER's web remote and Wwise's WAAPI both default to port 8080. :func:`probe` tells which one (or
something else) answers on a URL, so a clash is reported as such.
"""

from __future__ import annotations

import base64
import http.client
import os
from dataclasses import dataclass
from typing import Literal
from urllib.parse import quote, urlsplit

from wwiseflowd.results import ErrorCode
from wwiseflowd_reaper.errors import ReaperFailure
from wwiseflowd_reaper.project import Marker, Region

RENDER_ACTION = 42230
Owner = Literal["reaper", "waapi", "other", "closed"]


@dataclass(frozen=True)
class PortProbe:
    """Who answers at a URL: REAPER's web remote, Wwise's WAAPI, something else, or nobody."""

    owner: Owner
    detail: str


def _unescape(text: str) -> str:
    return text.replace("\\t", "\t").replace("\\n", "\n").replace("\\\\", "\\")


def _host_port(url: str) -> tuple[str, int]:
    parts = urlsplit(url if "//" in url else f"http://{url}")
    return parts.hostname or "127.0.0.1", parts.port or 80


def _get(url: str, path: str, headers: dict[str, str], timeout: float) -> tuple[int, str, dict[str, str]]:
    host, port = _host_port(url)
    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request("GET", path, headers=headers)
        response = conn.getresponse()
        body = response.read(1 << 20).decode("utf-8", "replace")
        return response.status, body, {k.lower(): v for k, v in response.getheaders()}
    finally:
        conn.close()


def probe(url: str, timeout: float = 2.0, *, try_waapi: bool = True) -> PortProbe:
    """Ask ``url`` for ``/_/TRANSPORT``, then (``try_waapi``) try a WAAPI WebSocket handshake."""
    host, port = _host_port(url)
    try:
        status, body, headers = _get(url, "/_/TRANSPORT", {}, timeout)
    except OSError as exc:
        return PortProbe("closed", f"nothing answers on {host}:{port} ({exc.strerror or exc})")
    except http.client.HTTPException as exc:
        return PortProbe("other", f"{host}:{port} does not speak HTTP ({type(exc).__name__})")
    if status == 401:
        return PortProbe("reaper", f"REAPER's web remote on {host}:{port} (asks for a user and password)")
    if status == 200 and body.startswith("TRANSPORT\t"):
        return PortProbe("reaper", f"REAPER's web remote on {host}:{port}")
    if try_waapi and _is_waapi(host, port, timeout):
        return PortProbe("waapi", f"Wwise's WAAPI (WebSocket) answers on {host}:{port}, not REAPER's web "
                         "remote; both default to port 8080: give REAPER's web remote another port "
                         "(e.g. 8081) and set [reaper] web_url to it")
    server = headers.get("server", "unknown server")
    return PortProbe("other", f"{host}:{port} answers HTTP {status} ({server}), but not as REAPER's web "
                     "remote: check the port in REAPER's Preferences > Control/OSC/web")


def _is_waapi(host: str, port: int, timeout: float) -> bool:
    key = base64.b64encode(os.urandom(16)).decode()
    headers = {"Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Key": key,
               "Sec-WebSocket-Version": "13", "Sec-WebSocket-Protocol": "wamp.2.json"}
    try:
        status, _body, _h = _get(f"http://{host}:{port}", "/waapi", headers, timeout)
    except (OSError, http.client.HTTPException):
        return False
    return status == 101


class WebRemote:
    """A client of one REAPER web remote."""

    def __init__(self, url: str, user: str | None = None, password: str | None = None,
                 timeout: float = 5.0) -> None:
        self.url = url.rstrip("/")
        self.timeout = timeout
        self.headers: dict[str, str] = {}
        if user or password:
            token = base64.b64encode(f"{user or ''}:{password or ''}".encode()).decode()
            self.headers["Authorization"] = f"Basic {token}"

    def command(self, *commands: str) -> list[list[str]]:
        """Run ``commands`` in one request; the reply lines split on tabs."""
        path = "/_/" + ";".join(quote(c, safe="/") for c in commands)
        try:
            status, body, _headers = _get(self.url, path, self.headers, self.timeout)
        except (OSError, http.client.HTTPException):
            raise ReaperFailure(ErrorCode.REAPER_UNAVAILABLE, self._unreachable()) from None
        if status == 401:
            raise ReaperFailure(ErrorCode.REAPER_UNAVAILABLE, f"REAPER's web remote at {self.url} wants a "
                                "user and password: set [reaper] web_user and web_password")
        if status != 200:
            raise ReaperFailure(ErrorCode.REAPER_UNAVAILABLE, self._unreachable(status))
        return [line.split("\t") for line in body.splitlines() if line]

    def _unreachable(self, status: int | None = None) -> str:
        found = probe(self.url, timeout=min(self.timeout, 2.0))
        if found.owner == "closed":
            return (f"REAPER's web remote does not answer at {self.url} ([reaper] web_url): is REAPER "
                    "running, with Preferences > Control/OSC/web > Web browser interface on that port?")
        return f"{found.detail} (asked {self.url}{'' if status is None else f', HTTP {status}'})"

    def regions(self) -> list[Region]:
        """The project's regions as REAPER has them now."""
        out = []
        for row in self.command("REGION"):
            if row[0] == "REGION" and len(row) >= 5:
                out.append(Region(name=_unescape(row[1]), id=int(row[2]), start=float(row[3]),
                                  end=float(row[4]), flags=1, color=int(row[5]) if len(row) > 5 else 0))
        return out

    def markers(self) -> list[Marker]:
        """The project's markers as REAPER has them now."""
        out = []
        for row in self.command("MARKER"):
            if row[0] == "MARKER" and len(row) >= 4:
                out.append(Marker(name=_unescape(row[1]), id=int(row[2]), position=float(row[3]),
                                  color=int(row[4]) if len(row) > 4 else 0))
        return out

    def transport(self) -> dict[str, object]:
        """``{playstate, position}`` from ``TRANSPORT``; REAPER_UNAVAILABLE when it is not REAPER."""
        for row in self.command("TRANSPORT"):
            if row[0] == "TRANSPORT" and len(row) >= 3:
                return {"playstate": int(row[1]), "position": float(row[2])}
        raise ReaperFailure(ErrorCode.REAPER_UNAVAILABLE, self._unreachable())

    def render(self) -> None:
        """Run action 42230: render with the project's current render settings, closing the dialog."""
        self.command(str(RENDER_ACTION))
