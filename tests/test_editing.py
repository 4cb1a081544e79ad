"""geo.store.datasets.edit_event: an analyst's correction of one event, as the dashboard's edit form saves it."""

import re

import pandas as pd
import pytest

from geo.errors import EditConflictError, EventDataError
from geo.io.events import load_events
from geo.store.datasets import (BUNDLED, as_form_text, changed_fields, edit_event, editable_copy, list_datasets,
                                save_import)
from geo.store.event_store import open_store


@pytest.fixture()
def store_copy(tmp_path):
    """(store, editable copy of the bundled events)."""
    store = open_store(tmp_path / "store.sqlite")
    bundled = list_datasets(store)[BUNDLED]
    yield store, editable_copy(store, bundled, load_events(bundled.path), author="setup")
    store.close()


def event(store, dataset, event_id):
    return store.events(dataset.store_name).set_index("event_id_cnty").loc[event_id]


def test_the_form_sees_missing_values_as_empty_text_and_only_real_changes_count():
    row = pd.Series({"actor2": None, "fatalities_max": 22, "notes": float("nan"), "location_mention": "Abu Kamal"})
    assert [as_form_text(row[c]) for c in row.index] == ["", "22", "", "Abu Kamal"]
    form = {"actor2": "", "fatalities_max": "21", "notes": "", "location_mention": "Abu Kamal"}
    assert changed_fields(row, form) == {"fatalities_max": "21"}


def test_an_edit_is_saved_with_its_author_and_comment(store_copy):
    store, copy = store_copy
    change = edit_event(store, copy, "SM-SYR-2021-0002", {"fatalities_max": "9"}, expected_version=1,
                        author="analyst", comment="SOHR's later count")
    row = event(store, copy, "SM-SYR-2021-0002")
    assert row["fatalities_max"] == 9 and row["version"] == change.version == 2
    last = store.history("SM-SYR-2021-0002", copy.store_name).iloc[-1]
    assert (last["kind"], last["author"], last["comment"]) == ("edit", "analyst", "SOHR's later count")


def test_a_new_place_mention_is_geocoded_again(store_copy):
    store, copy = store_copy
    before = event(store, copy, "SM-IRQ-2021-0001")
    edit_event(store, copy, "SM-IRQ-2021-0001", {"location_mention": "Erbil"}, expected_version=1,
               author="analyst", comment="moved")
    row = event(store, copy, "SM-IRQ-2021-0001")
    assert row["location_mention"] == "Erbil" and row["location"] != before["location"]
    assert abs(row.geometry.y - 36.19) < 0.1 and abs(row.geometry.x - 44.01) < 0.1  # Erbil, not Al-Qaim
    assert row["geo_precision"] == 1 and row["admin1"] != before["admin1"]


def test_a_mention_that_cannot_be_placed_is_refused_and_nothing_changes(store_copy):
    store, copy = store_copy
    before = event(store, copy, "SM-IRQ-2021-0001")
    with pytest.raises(EventDataError, match="'Narnia' could not be placed"):
        edit_event(store, copy, "SM-IRQ-2021-0001", {"location_mention": "Narnia", "notes": "x"},
                   expected_version=1, author="analyst", comment="moved")
    row = event(store, copy, "SM-IRQ-2021-0001")
    assert row["location_mention"] == before["location_mention"] and row["notes"] == before["notes"]
    assert row["version"] == 1 and row.geometry.equals(before.geometry)


def test_an_edit_on_an_old_version_is_refused(store_copy):
    store, copy = store_copy
    edit_event(store, copy, "SM-SYR-2021-0002", {"notes": "first"}, 1, author="colleague", comment="first")
    with pytest.raises(EditConflictError, match="colleague"):
        edit_event(store, copy, "SM-SYR-2021-0002", {"notes": "second"}, 1, author="analyst", comment="second")
    assert event(store, copy, "SM-SYR-2021-0002")["notes"] == "first"


def test_the_bundled_data_set_cannot_be_edited(store_copy):
    store, _ = store_copy
    with pytest.raises(EventDataError, match="read-only"):
        edit_event(store, list_datasets(store)[BUNDLED], "SM-SYR-2021-0002", {"notes": "x"}, 1, author="a",
                   comment="c")


def test_an_import_that_left_no_events_is_refused(store_copy):
    store, _ = store_copy
    bundled = load_events(list_datasets(store)[BUNDLED].path)
    with pytest.raises(EventDataError, match="'acled.csv': no events left to import"):
        save_import(store, bundled.iloc[:0], "acled.csv", "acled")
    assert not any(name.startswith("20") and "acled" in name for name in store.datasets())


def test_history_reads_as_who_changed_what_when_newest_first(store_copy):
    from geo.store.datasets import change_label, history_table

    store, copy = store_copy
    edit_event(store, copy, "SM-SYR-2021-0002", {"fatalities_max": "9", "actor2": ""}, expected_version=1,
               author="analyst", comment="SOHR's later count")
    history = store.history("SM-SYR-2021-0002", copy.store_name)
    table = history_table(history)
    assert list(table.columns) == ["change", "when", "who", "what", "why"]
    newest = table.iloc[0]
    assert newest["who"] == "analyst" and newest["why"] == "SOHR's later count"
    assert "fatalities_max: (empty) → 9" in newest["what"] and "actor2: Kata'ib Hezbollah (KH)" in newest["what"]
    assert "{" not in newest["what"]  # fields, not raw records
    assert table.iloc[1]["what"] == "import (4 events)"
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", newest["when"])  # to the second, no microseconds
    label = change_label(history.iloc[-1], "SM-SYR-2021-0002")
    assert re.fullmatch(rf"#{history['change_id'].iloc[-1]} · \d{{4}}-\d\d-\d\d \d\d:\d\d:\d\d UTC · analyst · "
                        r"edit: .*fatalities_max: \(empty\) → 9.* · SM-SYR-2021-0002", label), label


def test_a_data_set_is_named_after_its_file_renamed_and_deleted_as_undoable_changes(store_copy):
    from geo.store.datasets import delete_dataset, rename_dataset

    store, copy = store_copy
    assert re.fullmatch(r"events\.csv \(\d{4}-\d\d-\d\d \d\d:\d\d\)", copy.label) and copy.count == 4
    assert copy.choice == f"{copy.label} · 4 events"
    renamed = rename_dataset(store, copy, "Border strikes", author="analyst")
    assert (renamed.key, renamed.label) == (copy.key, "Border strikes")  # same key: links keep working
    deletion = delete_dataset(store, renamed, author="analyst")
    assert copy.key not in list_datasets(store)
    store.undo(deletion.change_id)
    assert list_datasets(store)[copy.key].label == "Border strikes"
    with pytest.raises(EventDataError, match="bundled file"):
        rename_dataset(store, list_datasets(store)[BUNDLED], "mine")
    again = editable_copy(store, list_datasets(store)[BUNDLED], load_events(list_datasets(store)[BUNDLED].path))
    assert again.key != copy.key and again.label.startswith("events.csv (")  # a second copy in the same minute


def test_a_store_data_set_downloads_without_the_stores_version_column(store_copy):
    import io

    from geo.io.export import export_bytes
    from geo.store.datasets import without_store_columns

    store, copy = store_copy
    events = store.events(copy.store_name)
    assert "version" in events.columns  # the edit form needs it
    for fmt in ("csv", "csv-latlon"):
        written = pd.read_csv(io.BytesIO(export_bytes(without_store_columns(events), fmt)[0]))
        assert "version" not in written.columns and len(written) == 4
