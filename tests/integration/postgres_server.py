"""A real, throwaway PostgreSQL server for the tests, started by the tests themselves.

Tried in order: the ``pgserver`` wheel (the dev extra; PostgreSQL 16 inside, works
as root), then Debian's binaries under ``/usr/lib/postgresql/*/bin`` (run through
``runuser -u postgres --`` when root, since PostgreSQL refuses to run as root).
``ANIMEREC_TEST_POSTGRES=debian`` (or ``pgserver``) forces one way; ``off`` skips.
Either way the server lives in a temp folder, listens on a unix socket there (and,
for Debian's, on a free 127.0.0.1 port), runs with ``fsync=off`` for speed, and is
stopped at the end of the session. :class:`Unavailable` carries the reason to skip.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

__all__ = ["PostgresServer", "Unavailable", "start_postgres"]

_FAST = ("fsync=off", "full_page_writes=off", "synchronous_commit=on")


class Unavailable(RuntimeError):
    """No way to start a PostgreSQL server here; ``str()`` says why."""


@dataclass
class PostgresServer:
    """A running server: ``url`` of its ``postgres`` database and how it was started."""

    url: str
    how: str
    stop: Callable[[], None]

    def database_url(self, name: str) -> str:
        """The URL of database ``name`` on this server."""
        parts = urlsplit(self.url)
        return urlunsplit(parts._replace(path=f"/{name}"))


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _with_pgserver(base: Path) -> PostgresServer:
    with warnings.catch_warnings():  # platformdirs warns when XDG_RUNTIME_DIR is unset
        warnings.simplefilter("ignore")
        try:
            import pgserver  # the dev extra; imported here so its absence is a skip reason
        except ImportError as exc:
            raise Unavailable(f"the pgserver wheel is not installed ({exc})") from exc
        server = pgserver.get_server(base / "pgdata", cleanup_mode="stop")
        for setting in _FAST:
            name, value = setting.split("=")
            server.psql(f"ALTER SYSTEM SET {name} = '{value}';")
        server.psql("SELECT pg_reload_conf();")

    def stop() -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            server.cleanup()

    return PostgresServer(server.get_uri(), "pgserver (PostgreSQL 16 wheel)", stop)


def _with_debian(base: Path) -> PostgresServer:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        raise Unavailable("no PostgreSQL binaries under /usr/lib/postgresql/*/bin")
    bindir = Path(found[-1]).parent
    as_root = os.geteuid() == 0
    if as_root and shutil.which("runuser") is None:
        raise Unavailable("running as root without runuser to start PostgreSQL as postgres")
    prefix = ["runuser", "-u", "postgres", "--"] if as_root else []
    folder = base / "debian-pg"
    folder.mkdir()
    if as_root:
        shutil.chown(folder, "postgres", "postgres")
        for parent in folder.parents:  # temp dirs are 0700: postgres must pass through
            if parent == Path("/"):
                break
            parent.chmod(parent.stat().st_mode | 0o001)
    data, port = folder / "data", _free_port()

    def run(*args: str) -> None:
        subprocess.run([*prefix, *args], check=True, capture_output=True, timeout=60)

    try:
        run(str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "--no-sync")
        options = f"-k {folder} -p {port} -c listen_addresses=127.0.0.1 " + " ".join(
            f"-c {s}" for s in _FAST
        )
        run(str(bindir / "pg_ctl"), "-D", str(data), "-w", "-l", str(folder / "log"),
            "-o", options, "start")  # fmt: skip
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired, OSError) as exc:
        detail = getattr(exc, "stderr", b"") or b""
        raise Unavailable(f"Debian's PostgreSQL did not start: {exc} {detail[-300:]!r}") from exc

    def stop() -> None:
        subprocess.run(
            [*prefix, str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "stop"],
            capture_output=True,
            timeout=60,
            check=False,
        )

    return PostgresServer(
        f"postgresql://postgres@127.0.0.1:{port}/postgres", f"Debian {bindir}", stop
    )


def start_postgres(base: Path) -> PostgresServer:
    """Start a server under ``base`` (a temp folder), the first way that works.

    Raises:
        Unavailable: no way worked (the reasons of each, joined).
    """
    wanted = os.environ.get("ANIMEREC_TEST_POSTGRES", "").strip().lower()
    if wanted == "off":
        raise Unavailable("ANIMEREC_TEST_POSTGRES=off")
    ways = {"pgserver": _with_pgserver, "debian": _with_debian}
    chosen = [ways[wanted]] if wanted in ways else list(ways.values())
    reasons = []
    for way in chosen:
        try:
            return way(base)
        except Unavailable as exc:
            reasons.append(str(exc))
    raise Unavailable("no PostgreSQL for the tests: " + "; ".join(reasons))
