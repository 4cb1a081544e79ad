"""tests/pgserver.py itself: a port taken between picking it and the server binding it is not a failed session."""

from __future__ import annotations

import os
import socket

import pytest

import pgserver


def test_a_port_taken_before_the_server_binds_it_is_replaced(monkeypatch):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = taken.getsockname()[1]
        picks = iter([busy])
        real_free_port = pgserver._free_port
        # The first pick is a port another process holds, as happens when it binds it just after we asked.
        monkeypatch.setattr(pgserver, "_free_port", lambda: next(picks, None) or real_free_port())
        try:
            server = pgserver.start_server()
        except pgserver.ServerUnavailable as exc:
            if "Address already in use" in str(exc) or os.environ.get("CI"):
                raise
            pytest.skip(f"no PostgreSQL + PostGIS server ({exc}); `make test` installs one")
        try:
            assert server.port != busy
            log = (server.folder / "server.log").read_text(errors="replace")
            assert "Address already in use" in log  # the first start did meet the taken port
            from geo.store.event_store import open_store

            with open_store(server.url) as store:  # and the second serves
                assert store.datasets() == {}
        finally:
            server.stop()
