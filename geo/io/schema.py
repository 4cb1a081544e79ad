"""The event schema, declared once: every column of the event table, its type and where it is shown.

One row per event, ACLED's column names wherever ACLED has one (so ACLED exports load as they are),
then strikemap's own columns. ``SCHEMA`` below is the only list of them: the checks and type coercion
(``geo.io.events``), the store's table (``geo.store.event_store``), the dashboard's table and edit form,
the review table (``geo.reports.review``), the map's popup (``geo.web.mapping`` hands its field list to
``geo/web/js/events.js``) and the README's schema table (``python -m geo schema --markdown``) are all
derived from it. Adding a column is one ``Column(...)`` line here (and pasting the README's regenerated
table, which tests/test_schema.py keeps equal to ``python -m geo schema --markdown``); a store made before
the column gains it when opened.

Also here: the precision codes (``GEO_PRECISION``, ``TIME_PRECISION``), ``cast_columns`` (every column to
its type, in one place) and ``to_wgs84`` (every table into EPSG:4326, in one place).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

# ACLED's precision codes, which we keep: what each value of geo_precision and time_precision means.
GEO_PRECISION = {1: "named town or site", 2: "near a town or a small area", 3: "region"}
TIME_PRECISION = {1: "day", 2: "week", 3: "month"}
# How far to trust a geocoder's answer (geo.geocoding.resolution.Resolution.status).
GEO_STATUS = {"resolved": "one place fits", "ambiguous": "needs review: a rival place or a loose spelling",
              "unresolved": "no place found"}
# The statuses an analyst should check: every one but "resolved". A blank status (the file gave the
# coordinates) was never judged by the geocoder, so it is not among them.
NEEDS_REVIEW = tuple(status for status in GEO_STATUS if status != "resolved")
# The largest whole number a float (how pandas parses a cell) holds exactly; larger counts are typos.
MAX_WHOLE_NUMBER = 2 ** 53

# type -> what a cell holds. Dates stay ISO text (YYYY-MM-DD): they sort and compare correctly as text,
# and JSON writers need no conversion. A url is text the popup shows as a link.
TYPES = {
    "text": "text",
    "date": "ISO date, YYYY-MM-DD",
    "integer": "whole number",
    "float": "number",
    "url": "text (a link)",
}


@dataclass(frozen=True)
class Column:
    """One column of the event table.

    ``table`` and ``popup`` are positions (lowest first; None: not shown there); ``editable`` columns are
    the ones an analyst corrects, in the dashboard's edit form and in the review of proposed events;
    ``geocoded`` ones the geocoder fills from the place mention (so they change when it does).
    ``codes``: the only values allowed, with what each means.
    """

    name: str
    type: str
    label: str
    description: str
    acled: bool = False  # one of ACLED's own columns
    required: bool = False
    editable: bool = False
    geocoded: bool = False
    table: int | None = None
    popup: int | None = None
    codes: dict[int | str, str] | None = field(default=None, compare=False)

    def __post_init__(self):
        if self.type not in TYPES:
            raise ValueError(f"column {self.name}: unknown type {self.type!r}; one of {', '.join(TYPES)}")


SCHEMA: tuple[Column, ...] = (
    Column("event_id_cnty", "text", "Event id", "unique id of the event in its data set",
           acled=True, required=True, table=1, popup=0),
    Column("event_date", "date", "Date", "the day of the event, or the first day of its week or month",
           acled=True, required=True, editable=True, table=2, popup=3),
    Column("time_precision", "integer", "Date precision", "how exactly the date is known",
           acled=True, editable=True, codes=TIME_PRECISION),
    Column("event_type", "text", "Type", "ACLED's event type, e.g. Explosions/Remote violence",
           acled=True, table=9, popup=4),
    Column("sub_event_type", "text", "Sub-type", "ACLED's sub-event type, e.g. Air/drone strike",
           acled=True, editable=True),
    Column("actor1", "text", "Actor 1", "who struck (several: separated by ';')",
           acled=True, editable=True, table=10, popup=5),
    Column("actor2", "text", "Actor 2", "who was struck", acled=True, editable=True, table=11, popup=6),
    Column("country", "text", "Country", "country name (two for a border zone: 'Syria/Iraq')",
           acled=True, table=5, geocoded=True),
    Column("admin1", "text", "Province (admin1)", "first-order administrative division",
           acled=True, table=6, geocoded=True),
    Column("location", "text", "Resolved to", "the place the mention resolved to",
           acled=True, table=4, popup=2, geocoded=True),
    Column("latitude", "float", "Latitude", "WGS 84; for a region, a point inside it", acled=True, geocoded=True),
    Column("longitude", "float", "Longitude", "WGS 84", acled=True, geocoded=True),
    Column("geo_precision", "integer", "Precision", "how exactly the place is known",
           acled=True, table=7, popup=11, codes=GEO_PRECISION, geocoded=True),
    Column("source", "text", "Source", "who reported it", acled=True, table=14, popup=9),
    Column("notes", "text", "Notes", "what happened, in the source's words", acled=True, editable=True, popup=10),
    Column("fatalities", "integer", "Fatalities", "ACLED's figure: the lowest reported count", acled=True, popup=7),
    # strikemap's own columns
    Column("location_mention", "text", "Place as written", "the place as the source words it (geocoded)",
           editable=True, table=3, popup=1),
    Column("region_mention", "text", "Wider area as written", "the wider area the source also names"),
    Column("radius_km", "float", "Uncertainty radius (km)", "how far from the point the event may be",
           table=8, geocoded=True),
    Column("fatalities_min", "integer", "Fatalities, lowest reported", "the lowest count any source gives",
           editable=True, table=12),
    Column("fatalities_max", "integer", "Fatalities, highest reported", "the highest count any source gives",
           editable=True, table=13),
    Column("fatalities_sources", "text", "Fatality sources", "who said which count", popup=8),
    Column("source_url", "url", "Source link", "the report's address or file", popup=13),
    Column("geocoder", "text", "Geocoder", "which stage placed the row, and any warning",
           table=15, popup=12, geocoded=True),
    Column("geo_confidence", "float", "Geocoder confidence", "how sure the geocoder is of the place, 0 to 1; "
           "blank where the file gave the coordinates", table=16, geocoded=True),
    Column("geo_status", "text", "Geocoder status", "how far to trust the place; blank where the file gave the "
           "coordinates", table=17, geocoded=True, codes=GEO_STATUS),
)

BY_NAME = {c.name: c for c in SCHEMA}
COLUMNS = [c.name for c in SCHEMA]
ID_COLUMN = "event_id_cnty"
REQUIRED = [c.name for c in SCHEMA if c.required]
INTEGER_COLUMNS = [c.name for c in SCHEMA if c.type == "integer"]
FLOAT_COLUMNS = [c.name for c in SCHEMA if c.type == "float"]
TEXT_COLUMNS = [c.name for c in SCHEMA if c.type not in ("integer", "float")]  # dates and links are text too
CODED_COLUMNS = {c.name: c.codes for c in SCHEMA if c.codes}
EDITABLE = [c.name for c in SCHEMA if c.editable]
GEOCODED = [c.name for c in SCHEMA if c.geocoded]
TABLE_COLUMNS = [c.name for c in sorted((c for c in SCHEMA if c.table is not None), key=lambda c: c.table)]
# (column, label, type) in popup order: what events.js shows, handed to it by geo.web.mapping.
POPUP_FIELDS = [(c.name, c.label, c.type) for c in sorted((c for c in SCHEMA if c.popup is not None),
                                                           key=lambda c: c.popup)]
# What a cell of each type must look like, for an edit form's labels.
_HINTS = {"date": "YYYY-MM-DD"}


def edit_label(column: Column) -> str:
    """The label of an edit field: the column's label and what to type ("Date (YYYY-MM-DD)")."""
    hint = ", ".join(f"{code} {meaning}" for code, meaning in column.codes.items()) if column.codes \
        else _HINTS.get(column.type)
    return f"{column.label} ({hint})" if hint else column.label


# The dashboard's edit form: column -> label, in schema order.
EDIT_FIELDS = {name: edit_label(BY_NAME[name]) for name in EDITABLE}
# "1 · named town or site": a code and its meaning, for pickers.
GEO_PRECISION_LABELS = {code: f"{code} · {meaning}" for code, meaning in GEO_PRECISION.items()}


def count_of(n: int, noun: str = "event") -> str:
    """How many rows, in words: "1 event", "2 events", "1,000 events"."""
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def cast_columns(frame, columns: tuple[Column, ...] = SCHEMA):
    """A copy of ``frame`` with each of ``columns`` it has in its type: integers as pandas' Int64, floats as
    float, everything else as str. Numbers written as text are read ("3", " 2.0 "); empty cells, None and
    NaN become <NA>/NaN for numbers and "" for text. A cell that is no usable number (a word, 1.5 in an
    integer column, a count beyond ``MAX_WHOLE_NUMBER``) becomes <NA>: ``geo.io.events.check_events`` reports
    those cells by row and column before anything is cast, so nothing bad is dropped unseen.
    Other columns are left as they are.
    """
    import pandas as pd

    frame = frame.copy()
    for column in columns:
        if column.name not in frame.columns:
            continue
        values = frame[column.name]
        if column.type in ("integer", "float"):
            number = pd.to_numeric(values, errors="coerce").astype(float)  # " 3 " is 3, "" and words NaN
            if column.type == "integer":
                whole = (number % 1 == 0) & (number.abs() <= MAX_WHOLE_NUMBER)
                number = number.where(whole).astype("Int64")
            frame[column.name] = number
        elif values.dtype != "str" or values.hasnans:  # a column of text without gaps is left as it is
            frame[column.name] = values.astype(object).where(values.notna(), "").astype(str)
    return frame


def to_wgs84(gdf):
    """``gdf`` in EPSG:4326 (lon, lat in WGS 84): reprojected when it is in another CRS, as it is when it is
    already there or has no CRS (a table without one is taken to be in lon, lat already)."""
    if gdf.crs is not None and gdf.crs.to_epsg() != 4326:
        return gdf.to_crs(4326)
    return gdf


def markdown_table() -> str:
    """The schema as the README's Markdown table (``python -m geo schema --markdown``)."""
    lines = ["| column | label | type | from | required | analyst edits | shown in | meaning |",
             "|---|---|---|---|---|---|---|---|"]
    for column in SCHEMA:
        shown = [where for where, position in (("table", column.table), ("popup", column.popup))
                 if position is not None]
        meaning = column.description
        if column.codes:
            meaning += ": " + ", ".join(f"{code} {word}" for code, word in column.codes.items())
        cells = [f"`{column.name}`", column.label, TYPES[column.type], "ACLED" if column.acled else "strikemap",
                 "yes" if column.required else "",
                 "yes" if column.editable else "from the mention" if column.geocoded else "", ", ".join(shown), meaning]
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return "\n".join(lines) + "\n"


def as_records() -> list[dict]:
    """The schema as plain data (``python -m geo schema --json``), for other tools."""
    return [asdict(column) for column in SCHEMA]
