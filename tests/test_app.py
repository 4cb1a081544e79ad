"""The Streamlit page through AppTest: filters, counts, what the map is given, URL sync, errors."""

import datetime as dt
import json
import re
from urllib.parse import parse_qs, urlsplit

import pandas as pd
from streamlit.testing.v1 import AppTest

from conftest import ROOT
from geo.web.page_state import PageState
from geo.web.mapping import CORE_FILE, read_core, read_details

APP = str(ROOT / "dashboard.py")


def run_app(monkeypatch, events=None, **params):
    if events is not None:
        monkeypatch.setenv("STRIKEMAP_EVENTS", str(events))
    else:
        monkeypatch.delenv("STRIKEMAP_EVENTS", raising=False)
    app = AppTest.from_file(APP, default_timeout=120)
    # As after the browser's map reported its first draw (PageState.first_draw): the whole page.
    app.session_state[PageState.map_drawn.key] = True
    for key, value in params.items():
        app.query_params[key] = value
    app.run()
    assert not app.exception, app.exception
    return app


def map_args(app) -> dict:
    maps = [c for c in app.get("component_instance") if c.proto.component_name.endswith("st_folium")]
    assert len(maps) == 1
    return json.loads(maps[0].proto.json_args)


def layer_options(app) -> dict:
    """The options the feature group passes to strikemap/events.js."""
    script = map_args(app)["feature_group"]
    return json.loads(re.search(r"StrikemapEvents\.draw\([^,]+, (\{.*\})\);", script).group(1))


def drawn_events(app) -> list[str]:
    """Event ids the map is told to draw: the bit mask over the published data set's rows."""
    import base64

    options = layer_options(app)
    core = read_core(ROOT / "static" / options["url"].removeprefix("/app/static/"))
    bits = base64.b64decode(options["mask"])
    return [i for n, i in enumerate(core["ids"]) if bits[n >> 3] >> (7 - (n & 7)) & 1]


def shown_count(app) -> tuple[int, int]:
    text = next(m.value for m in app.markdown if "Showing" in m.value)
    shown, total = re.search(r"Showing (\d+) of (\d+)", text).groups()
    return int(shown), int(total)


def test_default_view_draws_every_event(monkeypatch):
    app = run_app(monkeypatch)
    assert sorted(drawn_events(app)) == ["SM-IRQ-2021-0001", "SM-SYR-2021-0001", "SM-SYR-2021-0002", "SM-SYR-2021-0003"]
    assert shown_count(app) == (4, 4)
    # The timeline spans February through June 2021.
    slider = app.slider[0]  # AppTest reports date bounds as microseconds since the epoch (UTC)
    low, high = (dt.datetime.fromtimestamp(v / 1e6, dt.timezone.utc).date() for v in (slider.min, slider.max))
    assert low <= dt.date(2021, 2, 1) and high >= dt.date(2021, 6, 30)
    assert app.query_params["start"] == ["2021-02-01"] or app.query_params["start"] == "2021-02-01"
    assert len(app.dataframe[0].value) == 4


def test_june_link_hides_the_february_strike(monkeypatch):
    app = run_app(monkeypatch, start="2021-06-01", end="2021-06-30")
    assert "SM-SYR-2021-0001" not in drawn_events(app) and len(drawn_events(app)) == 3
    assert shown_count(app) == (3, 4)
    assert app.slider[0].value == (dt.date(2021, 6, 1), dt.date(2021, 6, 30))
    assert app.date_input[0].value == (dt.date(2021, 6, 1), dt.date(2021, 6, 30))


def test_moving_the_slider_filters_and_updates_the_url(monkeypatch):
    app = run_app(monkeypatch)
    app.slider[0].set_value((dt.date(2021, 2, 1), dt.date(2021, 2, 28))).run()
    assert drawn_events(app) == ["SM-SYR-2021-0001"]
    assert app.date_input[0].value == (dt.date(2021, 2, 1), dt.date(2021, 2, 28))
    params = {k: (v[0] if isinstance(v, list) else v) for k, v in app.query_params.items()}
    assert params["start"] == "2021-02-01" and params["end"] == "2021-02-28"


def test_date_input_moves_the_slider(monkeypatch):
    app = run_app(monkeypatch)
    app.date_input[0].set_value((dt.date(2021, 6, 27), dt.date(2021, 6, 27))).run()
    assert app.slider[0].value == (dt.date(2021, 6, 27), dt.date(2021, 6, 27))
    assert len(drawn_events(app)) == 3


def test_bad_url_dates_fall_back_with_a_warning(monkeypatch):
    app = run_app(monkeypatch, start="June", end="2021-06-30")
    assert any("Ignoring part of the link: start=" in w.value for w in app.warning)
    assert shown_count(app) == (4, 4)


def test_map_loads_nothing_from_the_internet(monkeypatch):
    args = map_args(run_app(monkeypatch))
    links = args["js_links"] + args["css_links"]
    assert links and all(link.startswith("/app/static/") for link in links), links
    code = re.sub(r"(?m)^\s*//.*$", "", args["script"] + args["header"] + args["feature_group"])  # comments
    # The online base layers are in the layer control, opt-in: their addresses are in the page, but no
    # tile layer is added to the map until the analyst picks one.
    allowed = ("https://tile.openstreetmap.org/", "https://www.openstreetmap.org/copyright",
               "https://server.arcgisonline.com/")
    unexpected = [url for url in re.findall(r"https?://[^\s\"'\\]+", code) if not url.startswith(allowed)]
    assert not unexpected, unexpected
    tile_layers = re.findall(r"var (tile_layer_\w+) = L\.tileLayer", code)
    assert len(tile_layers) == 2
    assert not any(re.search(rf"{name}\.addTo\(", code) for name in tile_layers)
    for link in links:
        assert (ROOT / "static" / link.removeprefix("/app/static/").split("?")[0]).exists(), link
    # The data files preload.js starts fetching are the app's own, and exist.
    preload = next(link for link in links if "strikemap/preload.js?" in link)
    files = parse_qs(urlsplit(preload).query)["url"]
    assert any(f.endswith(f"/{CORE_FILE}") for f in files) and any(f.endswith("countries.geojson") for f in files)
    for url in files:
        assert (ROOT / "static" / url.removeprefix("/app/static/")).exists(), url


def test_hostile_notes_never_reach_the_page_as_code(monkeypatch, events_csv):
    frame = pd.read_csv(events_csv, dtype=str, keep_default_na=False)
    hostile = "</script><script>alert(1)</script><img src=x onerror=alert(2)>"
    frame.loc[0, "notes"] = hostile
    frame.loc[1, "actor1"] = "\u2028&amp;\"'"
    frame.to_csv(events_csv, index=False)
    app = run_app(monkeypatch, events=events_csv)
    script = map_args(app)["feature_group"]
    assert "</script" not in script and "<img" not in script and "alert" not in script
    # The text travels as JSON data, fetched and put on the page with textContent by events.js.
    folder = ROOT / "static" / layer_options(app)["url"].removeprefix("/app/static/")
    details = read_details(folder)  # written after the first draw, in the same run
    assert details[0]["notes"] == hostile


def test_unplaced_events_are_listed_not_dropped(monkeypatch, events_csv):
    frame = pd.read_csv(events_csv, dtype=str, keep_default_na=False)
    frame.loc[2, "location_mention"] = "Narnia"
    frame.to_csv(events_csv, index=False)
    app = run_app(monkeypatch, events=events_csv)
    assert len(drawn_events(app)) == 3 and shown_count(app) == (4, 4)
    assert any("Not on the map: 1 shown event could not be placed" in w.value for w in app.warning)
    listing = "\n".join(t.value for t in app.text)
    assert "SM-SYR-2021-0003: 'Narnia'" in listing and "unresolved" in listing


def test_broken_events_file_shows_an_error_not_a_traceback(monkeypatch, tmp_path):
    bad = tmp_path / "events.csv"
    bad.write_text("event_id_cnty,event_date,location_mention\nX,yesterday,Abu Kamal\n", encoding="utf-8")
    app = run_app(monkeypatch, events=bad)
    assert app.error and "Could not load" in app.error[0].value
    assert "not a date" in app.code[0].value  # the details, as plain text


def params_of(app) -> dict:
    return {k: (v if isinstance(v, list) else [v]) for k, v in app.query_params.items()}


def test_every_filter_reads_from_and_writes_to_the_url(monkeypatch):
    app = run_app(monkeypatch, actor="Popular Mobilisation Forces (PMF)", precision="2", q="Al-Qaim")
    assert drawn_events(app) == ["SM-IRQ-2021-0001"] and shown_count(app) == (1, 4)
    assert app.multiselect(key=PageState.actors.key).value == ["Popular Mobilisation Forces (PMF)"]
    app.multiselect(key=PageState.actors.key).set_value([]).run()
    app.text_input(key=PageState.text.key).set_value("").run()
    assert shown_count(app) == (4, 4)
    app.multiselect(key=PageState.countries.key).set_value(["Syria"]).run()
    params = params_of(app)
    assert params["country"] == ["Syria"] and params["precision"] == ["2"] and "actor" not in params
    assert sorted(drawn_events(app)) == ["SM-SYR-2021-0001", "SM-SYR-2021-0002", "SM-SYR-2021-0003"]


def test_fatalities_and_search_filters(monkeypatch):
    app = run_app(monkeypatch, fat_min="5")
    assert drawn_events(app) == ["SM-SYR-2021-0001"]  # only the February range reaches 22
    app = run_app(monkeypatch, q="weapons-storage")
    assert drawn_events(app) == ["SM-SYR-2021-0002"]


def test_week_steps_keep_the_filters(monkeypatch):
    app = run_app(monkeypatch, start="2021-06-21", end="2021-06-27", country="Iraq")
    assert drawn_events(app) == ["SM-IRQ-2021-0001"]
    app.button[0].click().run()  # one week back
    assert app.slider[0].value == (dt.date(2021, 6, 14), dt.date(2021, 6, 20))
    assert drawn_events(app) == [] and params_of(app)["country"] == ["Iraq"]


def test_uncertainty_toggle_is_part_of_the_view(monkeypatch):
    app = run_app(monkeypatch, shapes="0")
    assert layer_options(app)["shapes"] is False
    assert params_of(app)["shapes"] == ["0"]


def test_selecting_a_row_focuses_its_event_on_the_map(monkeypatch):
    app = run_app(monkeypatch)
    app.session_state[PageState.table.key] = {"selection": {"rows": [3], "columns": []}}
    app.run()
    row_id = app.dataframe[0].value.iloc[3]["event_id_cnty"]
    assert layer_options(app)["focus"] == row_id


def test_weekly_chart_marks_the_window(monkeypatch):
    app = run_app(monkeypatch, start="2021-06-01", end="2021-06-30")
    charts = app.get("vega_lite_chart")
    assert len(charts) == 1, "no timeline chart"
    spec = json.loads(charts[0].proto.spec)
    assert spec["encoding"]["x"]["field"] == "week" and spec["encoding"]["color"]["field"] == "in window"


def test_large_tables_are_capped_and_still_selectable(monkeypatch, tmp_path):
    import sys

    sys.path.insert(0, str(ROOT / "bench"))
    from synthetic_events import make_events

    path = tmp_path / "events.csv"
    make_events(6000, seed=5).to_csv(path, index=False)
    app = run_app(monkeypatch, events=path)
    assert shown_count(app) == (6000, 6000) and len(drawn_events(app)) == 6000
    assert len(app.dataframe[0].value) == 2000
    assert any("first 2,000 of 6,000" in c.value for c in app.caption)
    app.session_state[PageState.table.key] = {"selection": {"rows": [5], "columns": []}}
    app.run()
    assert layer_options(app)["focus"] == app.dataframe[0].value.iloc[5]["event_id_cnty"]


def test_link_view_opens_the_map_there(monkeypatch):
    app = run_app(monkeypatch, lat="34.4523", lon="40.9185", zoom="11")
    script = map_args(app)["script"]
    assert re.search(r"center: \[34\.4523, 40\.9185\]", script), script[:400]
    assert re.search(r"\"zoom\": 11\b", script)
    assert "fitBounds" not in script  # the link's view wins over fitting the events
    params = {k: (v[0] if isinstance(v, list) else v) for k, v in app.query_params.items()}
    assert (params["lat"], params["lon"], params["zoom"]) == ("34.4523", "40.9185", "11")
    # A filter change keeps the view in the link.
    app.slider[0].set_value((dt.date(2021, 6, 1), dt.date(2021, 6, 30))).run()
    params = {k: (v[0] if isinstance(v, list) else v) for k, v in app.query_params.items()}
    assert (params["lat"], params["zoom"], params["start"]) == ("34.4523", "11", "2021-06-01")


def test_bad_link_view_falls_back_to_the_events_with_a_warning(monkeypatch):
    for params, says in [({"lat": "91", "lon": "40", "zoom": "6"}, "is not on Earth"),
                         ({"lat": "34", "lon": "40"}, "missing zoom"),
                         ({"lat": "34", "lon": "forty", "zoom": "6"}, "not decimal degrees"),
                         ({"lat": "34", "lon": "40", "zoom": "99"}, "not a zoom level")]:
        app = run_app(monkeypatch, **params)
        assert any(says in w.value for w in app.warning), (params, [w.value for w in app.warning])
        assert "fitBounds" in map_args(app)["script"]
        assert shown_count(app) == (4, 4)


def test_layer_control_lists_the_offline_and_online_bases_and_the_overlays(monkeypatch):
    control = map_args(run_app(monkeypatch, tiles="satellite"))["layer_control"]
    for name in ("Offline (Natural Earth)", "OpenStreetMap (online)", "Satellite, Esri World Imagery (online)",
                 "Provinces (admin-1, Natural Earth)", "Events"):
        assert f'"{name}"' in control, (name, control)


def test_a_data_set_key_from_a_link_must_name_an_existing_data_set(monkeypatch, tmp_path):
    monkeypatch.setenv("STRIKEMAP_DB", str(tmp_path / "store.sqlite"))
    for key in ("../events.csv", "store:../../data/events.csv", "/etc/passwd", "store:nothing"):
        app = run_app(monkeypatch, data=key)
        assert any("is not a data set here" in w.value for w in app.warning), key
        assert shown_count(app) == (4, 4)  # the bundled data set, opened instead
        assert "data" not in app.query_params


def test_an_imported_data_set_opens_from_its_link(monkeypatch, tmp_path):
    from geo.store.datasets import import_upload, save_import
    from geo.store.event_store import open_store

    monkeypatch.setenv("STRIKEMAP_DB", str(tmp_path / "store.sqlite"))
    data = (ROOT / "tests" / "data" / "ucdp_sample.csv").read_bytes()
    events, summary = import_upload(data, "<b>ged</b>.csv", "ucdp")
    saved = save_import(open_store(tmp_path / "store.sqlite"), events, "<b>ged</b>.csv", "ucdp")
    app = run_app(monkeypatch, data=saved.key)
    assert shown_count(app) == (len(events), len(events))
    # Named after the file (tamed: letters, digits and a few marks), then the date it was imported.
    assert any(re.search(r"Data set: b_ged_b_\.csv \(\d{4}-\d\d-\d\d \d\d:\d\d\)", t.value) for t in app.text)


def test_a_pasted_report_proposes_events_that_join_as_a_new_data_set(monkeypatch, tmp_path):
    monkeypatch.setenv("STRIKEMAP_DB", str(tmp_path / "store.sqlite"))
    app = run_app(monkeypatch)
    article = (ROOT / "data" / "articles" / "000_561c48b6145f2520.txt").read_text(encoding="utf-8")
    next(t for t in app.text_area if t.label.startswith("Report text")).input(article)
    next(d for d in app.date_input if d.label.startswith("Report date")).set_value(dt.date(2021, 6, 28))
    next(b for b in app.button if b.label == "Propose events").click().run()
    assert not app.exception, app.exception
    assert len(app.session_state[PageState.proposals.key]) == 4
    next(b for b in app.button if b.label == "Add ticked events to the data set").click().run()
    assert not app.exception, app.exception
    assert shown_count(app) == (8, 8)  # the 4 bundled events and the 4 reviewed proposals
    data = app.query_params["data"]
    assert (data if isinstance(data, str) else data[0]).startswith("store:")  # an editable copy in the store
    assert (ROOT / "data" / "events.csv").read_text(encoding="utf-8").count("proposed-") == 0
    # Said as what happened, and the copy named after the file and the time, not "… working copy".
    assert any(re.fullmatch(r"Added 4 reviewed events to a new editable copy of events\.csv \(bundled, read-only\), "
                            r"'events\.csv \(\d{4}-\d\d-\d\d \d\d:\d\d\)'\.", m.value) for m in app.success), \
        [m.value for m in app.success]
    assert not any("Imported and opened" in m.value for m in app.success)
    assert not any("working copy" in t.value for t in app.text)


def test_week_steps_are_disabled_at_the_ends_of_the_data(monkeypatch):
    app = run_app(monkeypatch, start="2021-06-24", end="2021-06-30")
    back, forward = (next(b for b in app.button if b.label == label) for label in ("◀ week", "week ▶"))
    assert forward.disabled and not back.disabled
    assert "last month (2021-06-30)" in forward.help
    app = run_app(monkeypatch)  # the whole timeline: nowhere to step
    assert all(b.disabled for b in app.button if b.label in ("◀ week", "week ▶"))


def test_the_chart_counts_whole_events_under_a_level_title(monkeypatch):
    app = run_app(monkeypatch)
    spec = json.loads(app.get("vega_lite_chart")[0].proto.spec)
    axis = spec["encoding"]["y"]["axis"]
    assert axis["format"] == "d" and axis["tickMinStep"] == 1  # 0, 1, 2, 3: never 0.5
    assert spec["title"]["text"] == "events / week" and spec["encoding"]["y"]["title"] is None  # level, not rotated


def test_one_event_is_one_event_and_missing_cells_are_blank(monkeypatch):
    app = run_app(monkeypatch, start="2021-02-01", end="2021-02-28")
    assert shown_count(app) == (1, 4)
    assert any(b.label.startswith("Prepare download (1 event,") for b in app.button)
    table = app.dataframe[0]
    assert table.proto.placeholder == ""  # missing values show as empty cells, never "None"


def test_basemap_choice_comes_from_the_link(monkeypatch):
    select = next(s for s in run_app(monkeypatch).selectbox if s.label == "Basemap")
    assert select.value == "offline"
    app = run_app(monkeypatch, tiles="satellite")
    assert next(s for s in app.selectbox if s.label == "Basemap").value == "satellite"
    app = run_app(monkeypatch, tiles="google")
    assert any("tiles='google'" in w.value for w in app.warning)
    assert next(s for s in app.selectbox if s.label == "Basemap").value == "offline"


def _editable_copy(tmp_path):
    """A store holding an editable copy of the bundled events; (store, data set)."""
    from geo.store.datasets import BUNDLED, editable_copy, list_datasets
    from geo.io.events import load_events
    from geo.store.event_store import open_store

    store = open_store(tmp_path / "store.sqlite")
    bundled = list_datasets(store)[BUNDLED]
    return store, editable_copy(store, bundled, load_events(bundled.path), author="setup")


def _select_row(app, event_id: str):
    rows = list(app.dataframe[0].value["event_id_cnty"])
    app.session_state[PageState.table.key] = {"selection": {"rows": [rows.index(event_id)], "columns": []}}
    return app.run()


def _edit_form(app, event_id: str):
    fields = {t.label: t for t in [*app.text_input, *app.text_area] if t.key and event_id in t.key}
    return fields, next(b for b in app.button if b.label == "Save")


def test_an_edit_is_saved_with_its_history_and_can_be_undone(monkeypatch, tmp_path):
    monkeypatch.setenv("STRIKEMAP_DB", str(tmp_path / "store.sqlite"))
    store, copy = _editable_copy(tmp_path)
    before = store.events(copy.store_name).set_index("event_id_cnty").loc["SM-SYR-2021-0002", "fatalities_max"]
    app = _select_row(run_app(monkeypatch, data=copy.key), "SM-SYR-2021-0002")
    fields, save = _edit_form(app, "SM-SYR-2021-0002")
    fields["Fatalities, highest reported"].input("9")
    next(t for t in app.text_input if t.label == "Why (kept in the history)").input("SOHR's later count")
    save.click().run()
    assert not app.exception, app.exception
    assert any("Saved SM-SYR-2021-0002 (fatalities_max)" in s.value for s in app.success)
    row = store.events(copy.store_name).set_index("event_id_cnty").loc["SM-SYR-2021-0002"]
    assert row["fatalities_max"] == 9 and row["version"] == 2
    history = store.history("SM-SYR-2021-0002", copy.store_name)
    assert list(history["kind"]) == ["import", "edit"] and history["comment"].iloc[-1] == "SOHR's later count"
    # Undo it from the page: the old value is back, and the undo is itself in the history.
    undo = next(s for s in app.selectbox if s.label == "Undo a change")
    undo.set_value(int(history["change_id"].iloc[-1]))
    next(b for b in app.button if b.label == "Undo").click().run()
    row = store.events(copy.store_name).set_index("event_id_cnty").loc["SM-SYR-2021-0002"]
    assert (pd.isna(before) and pd.isna(row["fatalities_max"])) or row["fatalities_max"] == before
    assert list(store.history("SM-SYR-2021-0002", copy.store_name)["kind"]) == ["import", "edit", "undo"]


def test_a_second_editor_is_refused_and_nothing_is_lost(monkeypatch, tmp_path):
    monkeypatch.setenv("STRIKEMAP_DB", str(tmp_path / "store.sqlite"))
    store, copy = _editable_copy(tmp_path)
    app = _select_row(run_app(monkeypatch, data=copy.key), "SM-SYR-2021-0002")
    fields, save = _edit_form(app, "SM-SYR-2021-0002")  # this editor read version 1
    # Meanwhile a colleague saves first.
    store.update("SM-SYR-2021-0002", {"notes": "colleague's correction"}, expected_version=1,
                 comment="first", author="colleague", dataset=copy.store_name)
    fields["Actor 1"].input("someone else")
    save.click().run()
    assert any("Not saved" in e.value for e in app.error)
    assert any("was changed by colleague" in c.value for c in app.code)
    row = store.events(copy.store_name).set_index("event_id_cnty").loc["SM-SYR-2021-0002"]
    assert row["notes"] == "colleague's correction" and row["actor1"] != "someone else" and row["version"] == 2


def test_an_edited_place_is_geocoded_again_or_refused(monkeypatch, tmp_path):
    monkeypatch.setenv("STRIKEMAP_DB", str(tmp_path / "store.sqlite"))
    store, copy = _editable_copy(tmp_path)
    app = _select_row(run_app(monkeypatch, data=copy.key), "SM-IRQ-2021-0001")
    fields, save = _edit_form(app, "SM-IRQ-2021-0001")
    fields["Place as written"].input("Narnia")
    save.click().run()
    assert any("could not be placed" in c.value for c in app.code)
    fields, save = _edit_form(app, "SM-IRQ-2021-0001")
    fields["Place as written"].input("Erbil")
    save.click().run()
    row = store.events(copy.store_name).set_index("event_id_cnty").loc["SM-IRQ-2021-0001"]
    assert row["location_mention"] == "Erbil" and abs(row.geometry.y - 36.19) < 0.1 and abs(row.geometry.x - 44.01) < 0.1


def test_the_bundled_data_set_is_read_only_in_the_page(monkeypatch, tmp_path):
    monkeypatch.setenv("STRIKEMAP_DB", str(tmp_path / "store.sqlite"))
    app = _select_row(run_app(monkeypatch), "SM-SYR-2021-0002")
    assert not any(b.label == "Save" for b in app.button)
    next(b for b in app.button if b.label == "Make an editable copy").click().run()
    assert not app.exception, app.exception
    data = app.query_params["data"]
    assert (data if isinstance(data, str) else data[0]).startswith("store:")
    assert any(b.label == "Save" for b in _select_row(app, "SM-SYR-2021-0002").button)


def test_choosing_a_data_set_opens_it_from_its_beginning(monkeypatch, tmp_path):
    monkeypatch.setenv("STRIKEMAP_DB", str(tmp_path / "store.sqlite"))
    store, copy = _editable_copy(tmp_path)
    app = run_app(monkeypatch, start="2021-06-01", end="2021-06-30", country="Iraq")
    assert shown_count(app) == (1, 4)
    next(s for s in app.selectbox if s.label == "Data set").set_value(copy.key).run()
    assert not app.exception, app.exception
    assert shown_count(app) == (4, 4)  # the whole timeline, no filter
    assert app.multiselect(key=PageState.countries.key).value == []
    params = params_of(app)
    assert params["data"] == [copy.key] and params["start"] == ["2021-02-01"] and "country" not in params
    assert any(b.label == "Save" for b in _select_row(app, "SM-SYR-2021-0002").button)  # the editable copy


def test_needs_review_toggle_keeps_doubtful_places_and_goes_in_the_link(monkeypatch, events_csv):
    frame = pd.read_csv(events_csv, dtype=str, keep_default_na=False)
    frame["latitude"], frame["longitude"] = ["34.45", "34.46", "34.47", "34.39"], ["40.91", "40.92", "40.93", "40.98"]
    frame["geo_precision"] = "1"
    frame["geo_status"] = ["ambiguous", "resolved", "unresolved", ""]  # the last: coordinates given, never judged
    frame["geo_confidence"] = ["0.4", "0.9", "0", ""]
    frame.to_csv(events_csv, index=False)
    app = run_app(monkeypatch, events=events_csv)
    assert shown_count(app) == (4, 4) and "review" not in params_of(app)
    app.toggle(key=PageState.needs_review.key).set_value(True).run()
    assert shown_count(app) == (2, 4)
    assert sorted(drawn_events(app)) == ["SM-SYR-2021-0001", "SM-SYR-2021-0003"]
    assert list(app.dataframe[0].value["geo_status"]) == ["ambiguous", "unresolved"]
    assert params_of(app)["review"] == ["1"]
    again = run_app(monkeypatch, events=events_csv, review="1")  # the link reopens the same view
    assert again.toggle(key=PageState.needs_review.key).value is True and shown_count(again) == (2, 4)


def test_play_and_pause_go_in_the_link_and_a_played_link_opens_playing(monkeypatch):
    app = run_app(monkeypatch, start="2021-02-01", end="2021-02-07", play_by="day", play_speed="2")
    play = next(b for b in app.button if b.label == "▶ Play")
    assert [s.value for s in app.selectbox if s.label in ("Step by", "Window", "Speed")] == ["day", "window", 2.0]
    play.click().run()
    assert not app.exception, app.exception
    assert params_of(app)["play"] == ["1"] and params_of(app)["play_by"] == ["day"]
    assert any(c.value.startswith("Playing: 2021-02-01 to 2021-02-07") for c in app.caption)
    next(b for b in app.button if b.label == "⏸ Pause").click().run()
    assert "play" not in params_of(app) and params_of(app)["play_speed"] == ["2"]
    app = run_app(monkeypatch, start="2021-06-01", end="2021-06-07", play="1", play_mode="cumulative")
    assert any(b.label == "⏸ Pause" for b in app.button)
    assert params_of(app)["play"] == ["1"] and params_of(app)["play_mode"] == ["cumulative"]


def test_the_map_comes_first_and_the_rest_once_it_has_drawn(monkeypatch):
    """A session's first run sends the header, the timeline's slider and week steps and the map, nothing whose
    code the browser would fetch before the map's (tables, the chart, forms, the filters); once the map has
    drawn, the rest of the page, the map showing the same events."""
    monkeypatch.delenv("STRIKEMAP_EVENTS", raising=False)
    app = AppTest.from_file(APP, default_timeout=120)
    app.query_params["start"], app.query_params["end"] = "2021-06-01", "2021-06-30"
    app.query_params["zoom"] = "99"  # a damaged part of the link: said until the whole page is drawn
    app.run()
    assert not app.exception, app.exception
    june = drawn_events(app)
    assert june and len(june) < 4
    first_mask = layer_options(app)["mask"]
    assert len(app.slider) == 1 and not app.date_input and not app.dataframe and not app.multiselect
    assert not app.get("vega_lite_chart") and not app.selectbox and not app.text_area
    assert any("zoom" in w.value for w in app.warning)
    assert shown_count(app)[0] < shown_count(app)[1]  # the link's window holds already

    # The map's first report (AppTest runs no component: PageState.map_reported, tests/test_page_state.py).
    app.session_state[PageState.map_drawn.key] = True
    app.run()
    assert not app.exception, app.exception
    assert app.dataframe and app.date_input and app.multiselect and app.get("vega_lite_chart")
    assert layer_options(app)["mask"] == first_mask
    assert any("zoom" in w.value for w in app.warning)  # said once more, with the whole page
    app.run()
    assert not any("zoom" in w.value for w in app.warning)


def test_a_press_after_the_map_reported_draws_the_whole_page_even_if_the_reports_own_rerun_was_lost(monkeypatch):
    """The map's report reruns its fragment, which asks for the whole page; a press that comes at that moment can
    take that rerun's place. Any run that finds the map's report in the session draws the whole page."""
    monkeypatch.delenv("STRIKEMAP_EVENTS", raising=False)
    app = AppTest.from_file(APP, default_timeout=120)
    app.query_params["start"], app.query_params["end"] = "2021-02-01", "2021-02-28"
    app.run()
    assert not app.exception, app.exception
    assert not app.dataframe  # the map first
    app.session_state[PageState.map.key] = {"center": {"lat": 34.5, "lng": 41.0}, "zoom": 6}  # the report, kept
    next(b for b in app.button if b.label == "week ▶").click().run()  # the press's run, not the report's
    assert not app.exception, app.exception
    assert app.dataframe and app.date_input and app.multiselect
    assert app.session_state[PageState.window.key] == (dt.date(2021, 2, 8), dt.date(2021, 3, 7))
