"""Start the dashboard for real: `python -m geo.web.serve dashboard.py` (`streamlit run`) on a free loopback port.

Shared by the browser tests (tests/test_browser.py) and the benchmarks (bench/startup.py,
bench/map_scale.py, which also starts bench/naive_dashboard.py this way).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SERVER_START_TIMEOUT_S = 60
PORT_ATTEMPTS = 3


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def script_beside_static(script: Path):
    """Yields a path to run ``script`` by, with the root's ./static served at /app/static.

    Streamlit serves /app/static from the folder of the script it runs (not the working directory), so
    a script outside the root is run through a link in a temporary folder, beside a link to ./static.
    """
    script = Path(script)
    if script.resolve().parent == ROOT.resolve():
        yield script
        return
    with tempfile.TemporaryDirectory(prefix="strikemap-app-") as folder:
        link = Path(folder) / script.name
        link.symlink_to(script.resolve())
        (Path(folder) / "static").symlink_to(ROOT / "static", target_is_directory=True)
        yield link


@contextmanager
def streamlit_server(events_file: Path | None = None, app: str | Path = "dashboard.py", env: dict | None = None,
                     before_start=None):
    """Yields the base URL once /_stcore/health answers "ok"; always stops the server.

    ``app``: the script to run, relative to the root (or absolute); dashboard.py unless told otherwise.
    ``env``: variables added to (None: removed from) the server's environment. ``before_start(base_url)`` is
    called before each attempt to start it (e.g. to write a secrets.toml naming the server's own URL).
    It runs from the root, so .streamlit/config.toml applies and ./static is served (see
    ``script_beside_static``).
    """
    with script_beside_static(ROOT / app) as script, _serve(script, events_file, env, before_start) as base:
        yield base


@contextmanager
def _serve(script: Path, events_file: Path | None, extra_env: dict | None = None, before_start=None):
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    env.pop("STRIKEMAP_EVENTS", None)
    for name, value in (extra_env or {}).items():
        if value is None:
            env.pop(name, None)
        else:
            env[name] = str(value)
    if events_file is not None:
        env["STRIKEMAP_EVENTS"] = str(events_file)
    # A port free when asked can be taken by another process before streamlit binds it (the machine runs
    # other tests too): then streamlit exits at once, and a fresh port is tried.
    for attempt in range(1, PORT_ATTEMPTS + 1):
        port = free_port()
        if before_start is not None:
            before_start(f"http://127.0.0.1:{port}")
        proc, base = _start(script, env, port)
        if proc.returncode is None:
            break
        if attempt == PORT_ATTEMPTS:
            raise RuntimeError(f"streamlit exited with code {proc.returncode} before answering on {base} "
                               f"(and on {PORT_ATTEMPTS - 1} other free ports before it)")
    try:
        yield base
    finally:
        _stop(proc)


def _start(script: Path, env: dict, port: int) -> tuple[subprocess.Popen, str]:
    """(the process, its base URL) once /_stcore/health answers "ok", or once it exited (a returncode)."""
    base = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen(
        # geo.web.serve: `streamlit run` with the script's modules imported before the server answers (as `make run`)
        [sys.executable, "-m", "geo.web.serve", str(script), "--server.port", str(port),
         "--server.headless", "true", "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + SERVER_START_TIMEOUT_S
        while proc.poll() is None:
            try:
                with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as response:
                    if response.read().decode().strip() == "ok":
                        return proc, base
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"streamlit did not answer on {base}/_stcore/health in {SERVER_START_TIMEOUT_S} s")
            time.sleep(0.05)
        return proc, base
    except BaseException:
        _stop(proc)
        raise


def _stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)
