"""geo.web.serve: the dashboard's server starts with the first page's modules imported, and nothing of
Streamlit's (a component declared before the server runs is never served: the map would stay empty)."""

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
