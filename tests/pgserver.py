"""A throwaway PostgreSQL + PostGIS server for the tests: started in a temporary folder, on 127.0.0.1 only.

Debian's ``postgresql`` and ``postgresql-postgis`` packages provide the binaries (``make test`` installs
them). PostgreSQL refuses to run as root, so as root the server runs as the ``postgres`` user the
package creates, and the folder is handed to that user. Nothing here touches the machine's own
clusters: a fresh ``initdb`` each session, on a free port, with its socket in the same folder. A port free when
picked can be taken by another process before the server binds it (the machine runs other tests too): the
server then fails to start, saying so in its log, and is started again on a fresh port.
"""

from __future__ import annotations

import glob
import itertools
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

USER = "strikemap"
DATABASE = "strikemap"
PORT_ATTEMPTS = 5
# What PostgreSQL logs when its port was taken between picking and binding it.
PORT_TAKEN = ("Address already in use", "could not create any TCP/IP sockets")


class ServerUnavailable(RuntimeError):
    """No PostgreSQL + PostGIS server could be started; the message says why."""


def _bin_dir() -> Path:
    # Debian keeps the server programs out of PATH, one folder per major version.
    versions = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=lambda p: int(Path(p).parts[-3]))
    if versions:
        return Path(versions[-1]).parent
    on_path = shutil.which("pg_ctl")
    if not on_path:
        raise ServerUnavailable("PostgreSQL is not installed (apt-get install postgresql postgresql-postgis)")
    return Path(on_path).resolve().parent


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class PostgresServer:
    folder: Path
    port: int
    bin_dir: Path
    run_as: list[str]
    log_start: int = 0  # where the server log of the latest start begins

    @property
    def url(self) -> str:
        return f"postgresql://{USER}@127.0.0.1:{self.port}/{DATABASE}"

    def _run(self, program: str, *args: str) -> subprocess.CompletedProcess:
        result = subprocess.run([*self.run_as, str(self.bin_dir / program), *args], capture_output=True,
                                text=True, timeout=120, cwd=self.folder)
        if result.returncode:
            log = self.folder / "server.log"
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise ServerUnavailable(f"{program} failed ({result.returncode}): {result.stderr.strip()}\n{tail}")
        return result

    def start(self) -> None:
        data = self.folder / "data"
        # trust: only this folder's socket and 127.0.0.1 reach it, and only for the test session.
        self._run("initdb", "-D", str(data), "-U", USER, "-A", "trust", "-E", "UTF8", "--no-locale", "--no-sync")
        for attempt in range(1, PORT_ATTEMPTS + 1):
            try:
                self._start_on_port(data)
                break
            except ServerUnavailable:
                if attempt == PORT_ATTEMPTS or not self._port_was_taken():
                    raise
                self.port = _free_port()
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", USER, DATABASE)
        self._run("psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", USER, "-d", DATABASE, "-v",
                  "ON_ERROR_STOP=1", "-c", "CREATE EXTENSION postgis")

    def _start_on_port(self, data: Path) -> None:
        log = self.folder / "server.log"
        self.log_start = log.stat().st_size if log.exists() else 0  # pg_ctl -l appends: read this start's lines
        # fsync off: the tests kill clients, never the machine; the disk is shared with other work.
        options = f"-k {self.folder} -p {self.port} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._run("pg_ctl", "-D", str(data), "-o", options, "-l", str(log), "-w", "start")

    def _port_was_taken(self) -> bool:
        """Whether the last start failed because its port was taken (the log of that start says so)."""
        log = self.folder / "server.log"
        if not log.exists():
            return False
        with log.open("rb") as fh:
            fh.seek(self.log_start)
            lines = fh.read().decode(errors="replace")
        return any(sign in lines for sign in PORT_TAKEN)

    _numbers = itertools.count(1)

    def new_database(self) -> str:
        """The URL of a fresh, empty database with PostGIS: a copy of the template, made in a blink."""
        name = f"test_{next(self._numbers)}"
        self._run("createdb", "-h", "127.0.0.1", "-p", str(self.port), "-U", USER, "-T", DATABASE, name)
        return f"postgresql://{USER}@127.0.0.1:{self.port}/{name}"

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.folder / "data"), "-m", "immediate", "-w", "stop")
        except ServerUnavailable:
            pass  # never started, or already gone
        shutil.rmtree(self.folder, ignore_errors=True)


def start_server() -> PostgresServer:
    """A running server with a ``strikemap`` database where PostGIS is enabled (the template of
    ``new_database()``); ``stop()`` removes it."""
    bin_dir = _bin_dir()
    share = subprocess.run([str(bin_dir / "pg_config"), "--sharedir"], capture_output=True, text=True).stdout.strip()
    if not Path(share, "extension", "postgis.control").exists():
        raise ServerUnavailable(f"PostGIS is not installed for {bin_dir} (apt-get install postgresql-postgis)")
    as_root = os.geteuid() == 0
    # As root, the server's user must reach the folder: /tmp is open to all, a root $TMPDIR may not be.
    folder = Path(tempfile.mkdtemp(prefix="strikemap-pg-", dir="/tmp" if as_root else None))
    run_as: list[str] = []
    if as_root:
        try:
            shutil.chown(folder, "postgres", "postgres")
        except (LookupError, OSError) as exc:
            shutil.rmtree(folder, ignore_errors=True)
            raise ServerUnavailable(f"running as root and there is no 'postgres' user to run the server as ({exc})") from None
        run_as = ["runuser", "-u", "postgres", "--"]
    server = PostgresServer(folder, _free_port(), bin_dir, run_as)
    try:
        server.start()
    except (ServerUnavailable, OSError, subprocess.SubprocessError) as exc:
        server.stop()
        raise ServerUnavailable(str(exc)) from None
    return server


if __name__ == "__main__":  # a server to experiment with: python tests/pgserver.py (stop it with Ctrl-C or kill)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    server = start_server()
    print(server.url, server.folder, flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
