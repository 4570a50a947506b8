"""``wwiseflowd-reaper-sim``: the REAPER stand-in's command line (NOT REAPER).

Rendering, with REAPER's own flags (others REAPER accepts are ignored)::

    wwiseflowd-reaper-sim -nosplash -ignoreerrors -renderproject FILE.rpp

The web remote for one project (``--port 0`` picks a free port and prints it)::

    wwiseflowd-reaper-sim --web --port 8081 [--user U --password P] FILE.rpp
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from wwiseflowd_reaper.sim.render import log_invocation, render_file

USAGE = ("usage: wwiseflowd-reaper-sim [-nosplash] [-ignoreerrors] -renderproject FILE.rpp\n"
         "       wwiseflowd-reaper-sim --web [--host H] [--port N] [--user U --password P] FILE.rpp\n"
         "A stand-in for REAPER in tests and demos; it is not REAPER.\n")


def _option(argv: list[str], name: str, default: str | None = None) -> str | None:
    if name in argv:
        index = argv.index(name)
        if index + 1 < len(argv):
            value = argv[index + 1]
            del argv[index:index + 2]
            return value
    return default


def serve(argv: list[str]) -> int:
    """``--web``: serve until interrupted."""
    from wwiseflowd_reaper.sim.web import SimWebServer

    host = _option(argv, "--host", "127.0.0.1") or "127.0.0.1"
    port = int(_option(argv, "--port", "8080") or 8080)
    user, password = _option(argv, "--user"), _option(argv, "--password")
    files = [a for a in argv if not a.startswith("-")]
    if len(files) != 1:
        sys.stderr.write(USAGE)
        return 2
    auth = (user or "", password or "") if user or password else None
    server = SimWebServer(Path(files[0]), host=host, port=port, auth=auth).start()
    sys.stdout.write(f"{server.url}\n")
    sys.stdout.flush()
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script."""
    args = list(sys.argv[1:] if argv is None else argv)
    log_invocation(args)
    if "--web" in args:
        args.remove("--web")
        return serve(args)
    if "-renderproject" in args:
        index = args.index("-renderproject")
        if index + 1 >= len(args):
            sys.stderr.write(USAGE)
            return 2
        return render_file(Path(args[index + 1]))
    sys.stderr.write(USAGE)
    return 2


if __name__ == "__main__":
    sys.exit(main())
