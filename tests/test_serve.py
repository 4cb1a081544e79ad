"""geo.web.serve: the dashboard's server starts with the first page's modules imported, and nothing of
Streamlit's (a component declared before the server runs is never served: the map would stay empty); no
garbage collection pass walks those modules after every script run (it held every session up)."""

import subprocess
import sys

from conftest import ROOT

PROBE = """
import sys
from pathlib import Path
import geo.web.serve as serve
broken = Path(sys.argv[1])
broken.write_text("import geopandas\\nimport no_such_module_here\\nfrom streamlit_folium import st_folium\\n")
serve.preload(broken)  # a module that fails is left for the page to report
assert "geopandas" in sys.modules
assert "geo.io.cache" not in sys.modules  # not the dashboard: only its own imports
serve.preload(serve.DASHBOARD)
loaded = set(sys.modules)
assert {"pandas", "pyarrow", "geopandas", "folium", "altair", "geo.web.mapping", "geo.io.cache"} <= loaded, loaded
assert not [m for m in loaded if m.startswith("streamlit")], "Streamlit must be imported by its own command"
import gc
import geo.web.mapping
serve.freeze_imported()
assert not any(o is geo.web.mapping.base_map for o in gc.get_objects()), "the preloaded modules are not frozen"
print("ok")
"""


def test_the_first_pages_modules_are_imported_before_the_server_and_none_of_streamlits(tmp_path):
    result = subprocess.run([sys.executable, "-c", PROBE, str(tmp_path / "app.py")], cwd=ROOT, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr[-2000:]


def test_the_dashboards_own_imports_are_read_from_its_source():
    from geo.web.serve import DASHBOARD, script_modules

    modules = script_modules(DASHBOARD)
    assert "streamlit" in modules and "geo.web.mapping" in modules and "__future__" not in modules


def test_streamlit_does_not_collect_every_objects_garbage_after_each_run():
    probe = ("from streamlit import config\n"
             "config.get_config_options(force_reparse=True)\n"
             "print(config.get_option('runner.postScriptGC'))\n")
    result = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.stdout.strip().splitlines()[-1:] == ["False"], result.stderr[-2000:]
