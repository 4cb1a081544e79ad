"""What the dashboard keeps between reruns: one ``PageState``, its link, and the moves an analyst makes.

Streamlit reruns the page script on every interaction; what has to survive a rerun lives in
``st.session_state``. ``PageState`` declares every piece of it once, as a ``Kept`` attribute that
is stored in the session under the attribute's own name. A widget is given ``PageState.tiles.key``
as its key, so Streamlit keeps the widget's value in the very place the page state reads it from,
and no callback spells a key. The moves (start from a link, open a data set, step a week, set a
range, click an event) are plain methods; a dict stands in for the session in tests.

The link (``to_query`` / ``open_from_link``) carries the data set, the filters (``Filters``), the
map's view (``MapView``), the basemap, the shapes toggle and the playback (``Playback``), so a link
reproduces what is shown.
The few rules behind the page's widgets are here too: the timeline's whole-month bounds, the
fatalities slider's top, the weekly counts of the timeline chart.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import MutableMapping, Sequence
from dataclasses import dataclass
from itertools import islice
from types import MappingProxyType

from ..store.datasets import BUNDLED
from .filters import MULTI, Filters, MapView
from .mapping import ONLINE_BASEMAPS

OFFLINE_TILES = "offline"  # the basemap drawn from our own files; the default, left out of links
BASEMAPS = (OFFLINE_TILES, *ONLINE_BASEMAPS)
# Row selection needs the rows in the browser (Streamlit's lazy tables cannot select), so the table is capped.
TABLE_LIMIT = 2000
NO_SELECTION = MappingProxyType({"selection": MappingProxyType({"rows": (), "columns": ()})})


@dataclass(frozen=True)
class Playback:
    """Time that plays: the window steps by a day or a week, every ``speed`` seconds, moving (its width
    kept) or growing (cumulative, its start kept), until the end of the timeline.

    It runs by Streamlit reruns, one a step (``PageState.play_tick``): the window drives the whole page
    (the count, the table, the chart, the download and the link), all of it computed in Python, and the
    map redraws a step from the bit mask alone. Played in the browser, the map would run ahead of the page
    and of the link.

    In the link: ``play=1`` while playing, ``play_by=day`` (week is the default), ``play_mode=cumulative``
    (moving window is the default), ``play_speed=0.5`` (seconds a step; 1 is the default)."""

    playing: bool = False
    by: str = "week"
    mode: str = "window"
    speed: float = 1.0

    STEPS = MappingProxyType({"day": 1, "week": 7})  # days a step
    MODES = MappingProxyType({"window": "moving", "cumulative": "cumulative"})  # how the window plays
    SPEEDS = (0.5, 1.0, 2.0, 4.0)  # seconds a step

    def to_query(self) -> dict[str, str]:
        query = {}
        if self.playing:
            query["play"] = "1"
        if self.by != Playback.by:
            query["play_by"] = self.by
        if self.mode != Playback.mode:
            query["play_mode"] = self.mode
        if self.speed != Playback.speed:
            query["play_speed"] = f"{self.speed:g}"
        return query

    @classmethod
    def from_query(cls, params) -> tuple["Playback", list[str]]:
        """(playback, problems) from query parameters; a bad value is reported and left at its default."""
        problems, wanted = [], {}
        play = params.get("play")
        if play not in (None, "", "0", "1"):
            problems.append(f"play={play!r} is not 1 (playing) or 0")
        for field, choices in (("by", cls.STEPS), ("mode", cls.MODES)):
            value = params.get(f"play_{field}")
            if value in choices:
                wanted[field] = value
            elif value not in (None, ""):
                problems.append(f"play_{field}={value!r} is not one of {', '.join(choices)}")
        speed = params.get("play_speed")
        if speed not in (None, ""):
            try:
                value = float(speed)
            except ValueError:
                value = None
            if value in cls.SPEEDS:
                wanted["speed"] = value
            else:
                problems.append(f"play_speed={speed!r} is not one of {', '.join(f'{s:g}' for s in cls.SPEEDS)} "
                                "(seconds a step)")
        return cls(playing=play == "1", **wanted), problems


class Kept:
    """One piece of page state, kept in the session under the attribute's name (its ``key``)."""

    def __init__(self, default=None):
        self.default = default  # never mutated: moves assign new values

    def __set_name__(self, owner, name: str) -> None:
        self.key = name

    def __get__(self, page, owner=None):
        if page is None:
            return self  # on the class: the declaration, whose key a widget takes
        return page.session.get(self.key, self.default)

    def __set__(self, page, value) -> None:
        page.session[self.key] = value

    def __delete__(self, page) -> None:
        page.session.pop(self.key, None)


@dataclass(frozen=True)
class EditForm:
    """The edit form of one event: the version it was filled from (a save expects it) and its generation.

    A new generation (after a save, an undo or a refused save) is a new form with new widget keys, so it
    starts again from the event's current values."""

    event_id: str
    loaded_version: int | None = None
    generation: int = 0

    def key(self, part: str) -> str:
        """The widget key of one part of this form (a field's column, "comment", "form")."""
        return f"edit-{part}-{self.event_id}-{self.generation}"

    def undo_key(self, part: str, latest_change: int) -> str:
        """The widget key of one of the event's undo controls: new with each change to the event, so the
        choice starts at the latest change again (after a save, Undo offers that save)."""
        return f"undo-{part}-{self.event_id}-{latest_change}"


class PageState:
    """Every piece of state the dashboard keeps, over a session mapping (``st.session_state``)."""

    # ---- widgets: Streamlit keeps each value under the attribute's name (the widget's key)
    window = Kept()  # the dates shown, (start, end): the page's own; the slider and date input below show it
    typed_window = Kept()  # what the date-range input holds (one date while half typed)
    window_generation = Kept(0)  # keys the slider and date input afresh each time the page sets the window
    actors = Kept(())  # one multiselect per multi-valued filter, named as Filters' attributes (MULTI)
    event_types = Kept(())
    sub_event_types = Kept(())
    countries = Kept(())
    admin1s = Kept(())
    precisions = Kept(())
    fatalities = Kept()  # the fatalities slider: (low, high); high at fatalities_top means "no upper limit"
    text = Kept("")
    needs_review = Kept(False)  # the "needs review only" toggle
    show_shapes = Kept(True)
    tiles = Kept(OFFLINE_TILES)
    table = Kept(NO_SELECTION)  # the events table's row selection
    export_format = Kept()
    review = Kept()  # the proposals' review table (st.data_editor)
    map = Kept()  # st_folium's own state
    play_by = Kept(Playback.by)  # playback: step by a day or a week,
    play_mode = Kept(Playback.mode)  # as a moving window or cumulatively,
    play_speed = Kept(Playback.speed)  # every so many seconds
    # ---- the page's own
    dataset = Kept()  # the open data set's key (None: not chosen yet, the link decides)
    dataset_switches = Kept(0)  # how often the page opened a data set itself (keys the data set select)
    timeline = Kept()  # the slider's bounds, (first, last); None: the data set is to be opened from its link
    fatalities_top = Kept(1)  # the fatalities slider's top
    view = Kept()  # where the map looks now (MapView), written back to the link
    opening_view = Kept()  # where the map opened; fixed while the map lives (a new one would remount it)
    last_click = Kept()  # the event last clicked on the map, so one click selects its row once
    map_drawn = Kept(False)  # the session's map reported its first view: the rest of the page is drawn too
    link_problems = Kept(())  # what of the link was ignored, said until the whole page is drawn
    opened_at = Kept()  # when the session's first run began (time.monotonic()), for the rest's fallback
    import_report = Kept()  # (headline, lines) to show once, after an import or added proposals opened a data set
    notice = Kept()  # (kind "error"/"success", headline, detail) to show once in the main area
    edit_report = Kept()  # a line to show once, after a save or an undo
    proposals = Kept()  # events proposed from a pasted report, waiting for review
    edit_forms = Kept(MappingProxyType({}))  # event id -> EditForm
    admin_report = Kept()  # a line to show once, after a data set was renamed or deleted
    pending_event = Kept()  # an event to select once its data set's table is drawn (an edit kept over a sign-in)
    prepared_export = Kept()  # (what it shows, the file's bytes): the download of exactly the shown view
    playing = Kept(False)  # playback runs
    play_due = Kept()  # when the next step of playback is due (time.monotonic()); None: a step from now

    def __init__(self, session: MutableMapping):
        self.session = session

    # ---- data set

    @property
    def dataset_select_key(self) -> str:
        # Re-keyed whenever the page opens a data set itself (an import, added proposals, a copy): a select
        # keyed once would send its old choice back on a later rerun and reopen that one.
        return f"dataset-select-{self.dataset_switches}"

    def settle_dataset(self, query, datasets: Sequence[str]) -> list[str]:
        """Which data set this run shows: the session's, else the link's (``?data=``), else the bundled one.
        Returns what of the link was ignored."""
        problems = []
        if self.dataset is None:
            wanted = query.get("data", BUNDLED)
            if wanted not in datasets:
                problems.append(f"data={wanted!r} is not a data set here")
                wanted = BUNDLED
            self.dataset = wanted
        elif self.dataset not in datasets:
            self.dataset = BUNDLED  # its file was removed
        return problems

    def open_dataset(self, key: str, by_page: bool = True) -> None:
        """Show another data set from its own beginning: its whole timeline, no filters. The widgets keep
        their values until the next run sets them afresh, before they are drawn (``open_from_link``):
        removing a widget's key mid-session makes Streamlit replay its callback."""
        self.dataset = key
        self.timeline = None
        del self.view, self.opening_view, self.last_click
        if by_page:
            self.dataset_switches += 1

    def dataset_renamed(self) -> None:
        """The open data set has a new name: a fresh select shows it (a keyed select keeps showing the old one)."""
        self.dataset_switches += 1

    def dataset_chosen(self) -> None:
        """The data set select changed."""
        self.open_dataset(self.session[self.dataset_select_key], by_page=False)

    # ---- opening from a link

    @property
    def needs_opening(self) -> bool:
        return self.timeline is None or self.window is None

    def open_from_link(self, query, timeline: tuple[dt.date, dt.date], fatalities_top: int) -> list[str]:
        """Every widget starts from the link: the first run of a session, or a data set just opened.
        ``timeline`` is the data's (``timeline_bounds``). Returns what of the link was ignored, and why."""
        wanted = Filters.from_query(query)
        problems = list(wanted.problems)
        first, last = timeline
        start, end = wanted.start or first, wanted.end or last
        # A shared link's window is kept exactly, even where it reaches past the data.
        self.timeline = (min(first, start), max(last, end))
        self.set_window(start, end)
        for attribute, _ in MULTI.values():
            setattr(self, attribute, list(getattr(wanted, attribute)))
        self.precisions = list(wanted.precisions)
        self.fatalities_top = fatalities_top
        self.fatalities = (min(wanted.fatalities_min or 0, fatalities_top),
                           min(fatalities_top if wanted.fatalities_max is None else wanted.fatalities_max,
                               fatalities_top))
        self.text = wanted.text
        self.needs_review = wanted.needs_review
        self.table = {"selection": {"rows": [], "columns": []}}
        self.show_shapes = query.get("shapes") != "0"
        tiles = query.get("tiles", OFFLINE_TILES)
        if tiles not in BASEMAPS:
            problems.append(f"tiles={tiles!r} is not one of {', '.join(BASEMAPS)}")
        self.tiles = tiles if tiles in BASEMAPS else OFFLINE_TILES
        view, view_problems = MapView.from_query(query)
        problems += view_problems
        playback, playback_problems = Playback.from_query(query)
        problems += playback_problems
        self.playing, self.play_by, self.play_mode, self.play_speed = (
            playback.playing, playback.by, playback.mode, playback.speed)
        del self.play_due
        # The map opens where the link says; later moves are written back to the link (see map_moved).
        self.opening_view = self.view = view
        return problems

    def to_query(self) -> dict[str, str | list[str]]:
        """The link of what is shown (defaults left out). A data set still to be opened is its key alone."""
        query = {} if self.needs_opening else self.filters().to_query()
        if self.dataset not in (None, BUNDLED):
            query["data"] = self.dataset
        if self.needs_opening:
            return query
        if self.show_shapes is False:
            query["shapes"] = "0"
        if self.tiles != OFFLINE_TILES:
            query["tiles"] = self.tiles
        if self.view:
            query.update(self.view.to_query())
        query.update(self.playback.to_query())
        return query

    # ---- filters and the timeline

    def filters(self) -> Filters:
        """The filters the widgets set."""
        start, end = self.window
        low, high = self.fatalities or (None, None)
        return Filters(start=start, end=end, precisions=tuple(sorted(self.precisions)),
                       fatalities_min=low or None, fatalities_max=None if high == self.fatalities_top else high,
                       text=self.text.strip(), needs_review=bool(self.needs_review), **{attribute: tuple(getattr(self, attribute))
                                                  for attribute, _ in MULTI.values()})

    def set_window(self, start: dt.date, end: dt.date) -> None:
        """Show these dates. The slider and the date input are drawn anew, under new keys, showing them: a
        browser that had not yet drawn the last change sends its old value with its next run, and under the
        old key that value is dropped instead of setting the window back (playback on a busy machine did)."""
        self.window = self.typed_window = (start, end)
        self.window_generation += 1

    @property
    def slider_key(self) -> str:
        return f"window-slider-{self.window_generation}"

    @property
    def dates_key(self) -> str:
        return f"window-dates-{self.window_generation}"

    def timeline_widgets(self) -> None:
        """Before the slider and date input are drawn: each starts from the window (once per key)."""
        self.session.setdefault(self.slider_key, self.window)
        self.session.setdefault(self.dates_key, self.typed_window)

    def window_slid(self, drawn_key: str | None = None) -> None:
        """The slider moved: the date input follows. ``drawn_key``: the key the moved slider was drawn under; a
        slider drawn before the window last changed is an old one, and its value is dropped (``set_window``)."""
        if (drawn_key or self.slider_key) == self.slider_key and self.slider_key in self.session:
            self.set_window(*self.session[self.slider_key])

    def window_typed(self, drawn_key: str | None = None) -> None:
        """Dates were typed: the slider follows once both ends are there (the input has one while typing).
        ``drawn_key`` as for ``window_slid``."""
        if (drawn_key or self.dates_key) != self.dates_key or self.dates_key not in self.session:
            return
        typed = self.typed_window = tuple(self.session[self.dates_key])
        if len(typed) == 2:
            self.set_window(*typed)

    def can_step(self, days: int) -> bool:
        """Whether a step of ``days`` moves the window at all (not at the timeline's end, or start)."""
        low, high = self.timeline
        start, end = self.window
        return end < high if days > 0 else start > low

    def step(self, days: int) -> None:
        """Move the window by ``days``, keeping its width, within the timeline."""
        low, high = self.timeline
        start, end = self.window
        shift = max(min(dt.timedelta(days=days), high - end), low - start)
        self.set_window(start + shift, end + shift)

    # ---- playback (see Playback)

    @property
    def playback(self) -> Playback:
        return Playback(bool(self.playing), self.play_by, self.play_mode, float(self.play_speed))

    def play_pressed(self) -> None:
        """Play, or pause. Play at the end of the timeline starts again from its beginning: a moving window
        from the first day (one step wide if it spanned everything), a cumulative one from its own start."""
        if self.playing:
            self.playing = False
            return
        low, high = self.timeline
        start, end = self.window
        days = dt.timedelta(days=Playback.STEPS[self.play_by])
        if self.play_mode == "cumulative":
            if end >= high:
                self.set_window(start, min(start + days - dt.timedelta(days=1), high))
        elif end >= high:
            width = end - start if start > low else days - dt.timedelta(days=1)
            self.set_window(low, min(low + width, high))
        self.playing = True
        self.play_due = None

    def play_tick(self, now: float) -> bool:
        """One beat of the playback timer, at ``now`` (``time.monotonic()``): True if the window stepped (or
        playback stopped at the end), so the page should run again. The first beat only sets when the next
        step is due; a beat well before that (a rerun for another reason) does nothing."""
        if not self.playing:
            return False
        speed = float(self.play_speed)
        if self.play_due is None or now < self.play_due - 0.25 * speed:
            if self.play_due is None:
                self.play_due = now + speed
            return False
        self.play_due = now + speed
        low, high = self.timeline
        start, end = self.window
        if end >= high:
            self.playing = False
            return True
        days = dt.timedelta(days=Playback.STEPS[self.play_by])
        if self.play_mode == "cumulative":
            self.set_window(start, min(end + days, high))
        else:
            shift = min(days, high - end)
            self.set_window(start + shift, end + shift)
        if self.window[1] >= high:
            self.playing = False  # the last step is shown; Play starts again from the beginning
        return True

    # ---- the map and the table

    def basemap_chosen(self) -> None:
        # A new base layer rebuilds the map: reopen it where the analyst is looking, not where the link began.
        self.opening_view = self.view

    def map_moved(self, view: MapView | None) -> bool:
        """The map reported where it looks; True if that is new (the link should follow)."""
        if view is None or view == self.view:
            return False
        self.view = view
        return True

    @property
    def first_draw(self) -> bool:
        """Until the session's map has drawn, a run draws only what sits above the map, the map and the sidebar's
        data set choice: the browser then loads no code for the rest (tables, the chart, forms) before the map's.
        A page that plays is drawn whole: its runs come a step apart, and would keep the map's report waiting."""
        return not self.map_drawn and not self.playing

    def map_reported(self, view: MapView | None, now: float | None = None, fallback_s: float | None = None) -> bool:
        """The map reported its view (it is drawn), or ``fallback_s`` went by since the session's first run
        without one: True once, when the rest of the page is to be drawn (the page should rerun)."""
        if self.map_drawn:
            return False
        if view is None and (now is None or fallback_s is None or self.opened_at is None
                             or now - self.opened_at < fallback_s):
            return False
        self.map_drawn = True
        return True

    def map_clicked(self, event_id: str, table_ids: Sequence[str]) -> bool:
        """An event clicked on the map selects its row of the table (``table_ids``, in order), once per click.
        True if the selection changed (the page should rerun to show it)."""
        if not event_id or event_id == self.last_click:
            return False
        self.last_click = event_id
        row = next((n for n, shown in enumerate(islice(table_ids, TABLE_LIMIT)) if shown == event_id), None)
        if row is None:
            return False
        self.table = {"selection": {"rows": [row], "columns": []}}
        return True

    def resume_edit(self, dataset_key: str, event_id: str) -> None:
        """Open a data set and select one of its events (an edit kept when a sign-in expired)."""
        self.open_dataset(dataset_key)
        self.pending_event = event_id

    def select_pending(self, table_ids: Sequence[str]) -> None:
        """Select the event ``resume_edit`` asked for, now that its table is drawn (once)."""
        event_id = self.pending_event
        if event_id is not None:
            del self.pending_event
            row = next((n for n, shown in enumerate(islice(table_ids, TABLE_LIMIT)) if shown == event_id), None)
            if row is not None:
                self.table = {"selection": {"rows": [row], "columns": []}}

    def selected_row(self, rows: int) -> int | None:
        """The table row selected, if it is one of the ``rows`` shown."""
        selected = (self.table or NO_SELECTION).get("selection", {}).get("rows", ())
        return selected[0] if selected and selected[0] < rows else None

    # ---- edits

    def edit_form(self, event_id: str, version: int) -> EditForm:
        """The event's edit form; a new one remembers ``version`` as the one its save expects."""
        form = self.edit_forms.get(event_id) or EditForm(event_id)
        if form.loaded_version is None:
            form = EditForm(event_id, version, form.generation)
            self.edit_forms = {**self.edit_forms, event_id: form}
        return form

    def restart_edit_form(self, event_id: str) -> None:
        """A fresh form for the event: filled from its current values, expecting its current version."""
        old = self.edit_forms.get(event_id) or EditForm(event_id)
        self.edit_forms = {**self.edit_forms, event_id: EditForm(event_id, None, old.generation + 1)}

    def edit_done(self, event_id: str, report: str) -> None:
        self.edit_report = report
        self.restart_edit_form(event_id)

    # ---- the download

    def export_ready(self, shows) -> bytes | None:
        """The prepared file, if it holds exactly ``shows`` (data set, its version, filters, format)."""
        prepared = self.prepared_export
        return prepared[1] if prepared and prepared[0] == shows else None

    def keep_export(self, shows, data: bytes) -> None:
        self.prepared_export = (shows, data)  # one file at a time: a new view's file replaces the last


def timeline_bounds(span: tuple[dt.date, dt.date]) -> tuple[dt.date, dt.date]:
    """The timeline over whole months around the events' first and last dates (``date_span``), so
    "all of February" is always a window the slider can reach."""
    first, last = span
    next_month = (last.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return first.replace(day=1), next_month - dt.timedelta(days=1)


def fatalities_top(events) -> int:
    """The fatalities slider's top: the highest toll reported in (non-empty) ``events``, at least 1 so the
    slider has a range."""
    return int(max(events["fatalities_max"].fillna(events["fatalities"]).fillna(0).max(), 1))


def weekly_counts(events, window: tuple[dt.date, dt.date]):
    """Events per week (weeks start on Monday), each marked whether it overlaps ``window``: the timeline chart."""
    import pandas as pd

    # Each distinct date read once (a million events fall on a few thousand days), then summed by week.
    per_day = events["event_date"].value_counts()
    weeks = pd.to_datetime(pd.Series(per_day.index)).dt.to_period("W").dt.start_time
    weekly = (pd.Series(per_day.to_numpy(), index=weeks.to_numpy()).groupby(level=0).sum()
              .sort_values(ascending=False, kind="stable").rename_axis("week").reset_index(name="events"))
    start, end = window
    weekly["in window"] = (weekly["week"].dt.date <= end) & (weekly["week"].dt.date + dt.timedelta(days=6) >= start)
    return weekly
