"""Start the dashboard: ``python -m geo.web.serve [streamlit run options]`` (what ``make run`` does).

The same as ``streamlit run dashboard.py [options]``, with the modules the first page needs imported before
the server starts answering. Streamlit imports a script's modules in the first session's run, so the first
page after every start waited for them (~1.5-2 s on this machine: pandas, pyarrow, geopandas, folium,
altair, SQLAlchemy ...); here the server takes that time before it says it is up, and no visitor waits for it.
``python -m geo.web.serve path/to/app.py [options]`` serves another script the same way;
``STRIKEMAP_PRELOAD=path/to/script.py`` imports that script's modules instead of the served one's (a wrapper
that runs the dashboard, as ``bench/scale_browser.py``'s does, preloads what the dashboard needs).
"""

from __future__ import annotations

import ast
import gc
import importlib
import os
import sys
from pathlib import Path

DASHBOARD = Path(__file__).resolve().parents[2] / "dashboard.py"
# Imported inside functions on the first page's way (reading an events file and its cache), beyond the
# modules the script imports at its top.
FIRST_PAGE_MODULES = ("geopandas", "pyarrow.csv", "pyarrow.parquet", "geo.io.cache", "geo.io.importers")


def script_modules(script: Path) -> list[str]:
    """The modules ``script`` imports at its top level, in order (read from its source, not run)."""
    tree = ast.parse(script.read_text(encoding="utf-8"), filename=str(script))
    names = []
    for node in tree.body:
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module != "__future__":
            names.append(node.module)
    return names


def preload(script: Path) -> None:
    """Import what ``script`` (and, for the dashboard, its first page) will import; a module that fails to
    import is left for the script's own run to report, in the page, as it would without this.

    Not Streamlit's own modules and components: a component declared before the server runs is registered
    where the server never looks (streamlit-folium's frame then answers 404 and the map stays empty)."""
    wanted = script_modules(script) + (list(FIRST_PAGE_MODULES) if script.resolve() == DASHBOARD else [])
    for name in wanted:
        if name.split(".")[0].startswith("streamlit"):
            continue
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - the page says what is wrong, with the traceback Streamlit shows
            pass


def freeze_imported() -> None:
    """Take what is imported so far out of the garbage collector's passes. A full pass over every object the
    interpreter tracks takes ~0.1 s for the modules preloaded here alone, holding the interpreter lock while
    every session waits (Streamlit's own pass after every run is off: .streamlit/config.toml). These modules
    live as long as the server; each pass now looks only at what came after (sessions, runs)."""
    gc.collect()  # what is garbage now would never be collected once frozen
    gc.freeze()


def main(argv: list[str] | None = None) -> None:
    args = list(sys.argv[1:] if argv is None else argv)
    script = Path(args.pop(0)) if args and args[0].endswith(".py") else DASHBOARD
    preload(Path(os.environ.get("STRIKEMAP_PRELOAD") or script))
    from streamlit.web import cli

    freeze_imported()
    # As `streamlit run` sees its command line (Streamlit shows and checks it).
    sys.argv = ["streamlit", "run", str(script), *args]
    cli.main(prog_name="streamlit")


if __name__ == "__main__":
    main()
