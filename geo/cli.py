"""The command line: ``python -m geo COMMAND``.

Shaped like sqlite-utils' ``cli.py``: each command parses its arguments, calls one
library function whose keywords match the options, and turns our errors into a
one-line message and exit status 2. The forms below are a contract other tools
rely on (the README's "Command line" section); tests cover them.

    python -m geo geocode --json "Al-Bukamal" "the Iraq-Syria border region"
    echo "Al Qa'im" | python -m geo geocode --json -
    python -m geo build
    python -m geo export --start 2021-06-01 --end 2021-06-30 -o june.geojson
    python -m geo import acled acled_export.csv --sub-event-type "Air/drone strike" -o strikes.geojson
    python -m geo extract report.txt --date 2021-06-28
    python -m geo setup
    python -m geo store history SM-SYR-2021-0002
    python -m geo batch geocode mentions.csv --column place -o placed/ [--scheduler tcp://HOST:8786 | --workers N]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import sys
from pathlib import Path

from . import config
from .errors import StrikemapError
from .io.formats import EXPORT_FORMATS, FORMATS, IMPORT_FORMATS, suffix_format
from .io.schema import count_of


def _iso_date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date in YYYY-MM-DD form") from None


def _country_list(text: str) -> tuple[str, ...]:
    codes = tuple(c.strip().upper() for c in text.split(",") if c.strip())
    bad = [c for c in codes if not (len(c) == 2 and c.isalpha())]
    if bad:
        raise argparse.ArgumentTypeError(f"{', '.join(bad)}: not ISO 3166 alpha-2 country codes (e.g. SY,IQ)")
    return codes


def _confidence(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0.0 <= value <= 1.0:  # also refuses "nan"
        raise argparse.ArgumentTypeError(f"{text!r} is not a confidence between 0 and 1 (e.g. 0.8)")
    return value


def _mentions(arguments: list[str]) -> list[str]:
    if arguments == ["-"]:
        return [line.rstrip("\r\n") for line in sys.stdin if line.strip()]
    return arguments


def cmd_geocode(args) -> int:
    from .geocoding.resolve import resolve_mention, resolve_mentions

    if args.csv:
        return _geocode_csv(args)
    if not args.mentions:
        raise StrikemapError("give mentions, - to read them from stdin, or --csv FILE --column NAME")
    provider = _provider(args)
    mentions = _mentions(args.mentions)
    if args.together:
        answers = resolve_mentions(mentions, country=args.country, provider=provider, focus=args.focus)
    else:
        answers = (resolve_mention(mention, country=args.country, provider=provider, focus=args.focus)
                   for mention in mentions)
    unresolved = 0
    for mention, found in zip(mentions, answers):
        found = found.with_min_confidence(args.min_confidence)
        unresolved += not found.resolved
        if found.warning:
            print(f"warning: {mention}: {found.warning}", file=sys.stderr)
        if args.json:
            print(json.dumps(found.to_dict(), ensure_ascii=False), flush=False)
        elif found.resolved:
            print(f"{mention}\t{found.lat:.5f}\t{found.lon:.5f}\tprecision {found.precision}"
                  f"\t±{found.radius_km} km\t{found.name} ({found.country})\t[{found.source}]")
        else:
            print(f"{mention}\tunresolved: {found.reason}")
    sys.stdout.flush()
    return 1 if unresolved else 0


def _provider(args):
    """The online provider the options ask for (one per run, so its rate limit holds), or None."""
    from .geocoding.providers import provider_from_name

    try:
        return provider_from_name(args.provider, domain=args.nominatim_domain, timeout=args.timeout)
    except ValueError as exc:
        raise StrikemapError(str(exc)) from None


def _geocode_csv(args) -> int:
    """The batch form: one column of a CSV geocoded into GeoJSON or CSV, progress on stderr."""
    from tqdm import tqdm

    from .io.read import read_csv_table
    from .io.export import format_for, write_events
    from .geocoding.resolve import geocode_column

    if not args.column or not args.output:
        raise StrikemapError("--csv needs --column NAME and -o OUT.geojson|OUT.csv")
    fmt = format_for(args.output, None)
    if not args.csv.exists():
        raise StrikemapError(f"{args.csv}: no such file")
    if suffix_format(args.csv, "import") is not FORMATS["csv"]:
        raise StrikemapError(f"{args.csv}: --csv expects a CSV file")
    table = read_csv_table(args.csv)
    with tqdm(total=len(table), unit="mention", file=sys.stderr, disable=None, desc="geocoding") as bar:
        try:
            placed = geocode_column(table, args.column, country=args.country, provider=_provider(args),
                                    focus=args.focus, progress=lambda done, total: bar.update(1),
                                    min_confidence=args.min_confidence)
        except KeyError as exc:
            raise StrikemapError(f"{args.csv}: {exc.args[0]}") from None
    if fmt not in ("geojson", "csv"):
        raise StrikemapError("the batch form writes .geojson or .csv")
    write_events(placed, args.output, fmt)
    unresolved = int(placed["lat"].isna().sum())
    print(f"geocoded {len(placed)} rows of {args.csv} into {args.output}: {len(placed) - unresolved} placed, "
          f"{unresolved} unresolved", file=sys.stderr)
    return 1 if unresolved else 0


def _read_setting_aside(path: Path):
    """The events file's rows, bad ones set aside and each named in a warning on stderr: (events, how many)."""
    from .io.read import read_events

    events, summary = read_events(path, on_bad_rows="skip")
    for problem in summary.set_aside:
        print(f"warning: {summary.file}: set aside {problem.message}", file=sys.stderr)
    return events, len(summary.set_aside)


def cmd_build(args) -> int:
    from .io.export import write_events

    events, set_aside = _read_setting_aside(args.events)
    write_events(events, args.output, "geojson")
    unresolved = events[events.geometry.isna()]
    print(f"wrote {count_of(len(events))} to {args.output}", file=sys.stderr)
    for row in unresolved.itertuples():
        print(f"warning: {row.event_id_cnty}: {row.location_mention!r}: {row.geocoder}", file=sys.stderr)
    return 1 if len(unresolved) or set_aside else 0


def cmd_export(args) -> int:
    from urllib.parse import parse_qs, urlsplit

    from .io.export import format_for, write_events
    from .web.filters import Filters, apply_filters

    if args.start and args.end and args.start > args.end:
        raise StrikemapError(f"--start {args.start} is after --end {args.end}")
    fmt = format_for(args.output, args.format)
    # --view takes the dashboard's own link (or just its query string): the file holds what the link shows.
    view = Filters.from_query(parse_qs(urlsplit(args.view).query or args.view) if args.view else {})
    if view.problems:
        raise StrikemapError("--view: " + "; ".join(view.problems))
    view = view.replace(start=args.start or view.start, end=args.end or view.end)
    events, set_aside = _read_setting_aside(args.events)
    shown = apply_filters(events, view)
    write_events(shown, args.output, fmt)
    print(f"wrote {count_of(len(shown))} to {args.output} ({fmt})", file=sys.stderr)
    return 1 if set_aside else 0


def cmd_import(args) -> int:
    from .io.export import format_for, write_events
    from .io.read import read_events

    fmt = format_for(args.output)  # a bad suffix fails now, not after a long read
    events, summary = read_events(args.file, args.fmt, sub_event_types=args.sub_event_type,
                                  on_bad_rows=args.on_bad_rows, encoding=args.encoding, max_mb=args.max_mb,
                                  progress=True)
    write_events(events, args.output, fmt)
    for line in summary.lines():
        print(line, file=sys.stderr)
    print(f"wrote {count_of(len(events))} to {args.output} ({fmt})", file=sys.stderr)
    return 1 if summary.unplaced or summary.set_aside else 0


def _add_import_command(commands) -> None:
    def types(text: str) -> list[str]:
        return [t.strip() for t in text.split(",") if t.strip()]

    command = commands.add_parser(
        "import", help="read an ACLED, UCDP GED or strikemap file into our schema",
        description="Read FILE (in FORMAT, below) into our schema, every column kept, and write it to OUT ("
                    + ", ".join(FORMATS[f].suffix for f in EXPORT_FORMATS if FORMATS[f].by_suffix)
                    + ") only if it all reads. Rows without coordinates are geocoded. Exit status 1 if any row "
                      "is unplaced or set aside, 2 on bad input.",
        epilog='examples: python -m geo import acled 2021-syria-iraq.csv --sub-event-type "Air/drone strike" '
               '-o strikes.geojson\n'
               '          python -m geo import ucdp GEDEvent_v25_1.csv -o ged.parquet',
        formatter_class=argparse.RawDescriptionHelpFormatter)
    command.add_argument("fmt", choices=IMPORT_FORMATS, metavar="FORMAT",
                         help="; ".join(f"{f}: {FORMATS[f].label}" for f in IMPORT_FORMATS))
    command.add_argument("file", type=Path, metavar="FILE")
    command.add_argument("-o", "--output", type=Path, required=True, metavar="OUT")
    command.add_argument("--sub-event-type", action="extend", type=types, default=[], metavar="TYPE",
                         help='keep only these sub-event types, e.g. "Air/drone strike" (repeat, or a comma list)')
    command.add_argument("--on-bad-rows", choices=["error", "skip"], default="error",
                         help="error (default): refuse the file if any row is bad; skip: set the bad rows "
                              "aside (each listed) and import the others")
    command.add_argument("--encoding", default="utf-8", help="the CSV's text encoding (default utf-8, BOM or not)")
    command.add_argument("--max-mb", type=float, metavar="MB",
                         help="refuse larger files, in MiB (default $STRIKEMAP_MAX_IMPORT_MB or 500)")
    command.set_defaults(run=cmd_import)


def cmd_extract(args) -> int:
    """Propose strike events from one report: a table on stdout, JSON lines (--json), or a file (-o)."""
    from .io.export import format_for, to_geojson, write_events
    from .reports.extract import MAX_REPORT_CHARS, extract_events, read_report_file

    if args.file == "-":
        text, source = sys.stdin.read(MAX_REPORT_CHARS + 1), ""
    else:
        text, source = read_report_file(args.file), str(Path(args.file))
    if args.output:
        format_for(args.output)  # an unknown suffix fails before the work
    events = extract_events(text, report_date=args.date, source=source)
    unplaced = events[events["latitude"].isna()]
    if args.output:
        write_events(events, args.output)
        print(f"proposed {count_of(len(events))} from {args.file} into {args.output}", file=sys.stderr)
    elif args.json:
        for feature in json.loads(to_geojson(events))["features"]:
            print(json.dumps(feature, ensure_ascii=False))
    else:
        print(_events_summary(events))
    if events.empty:
        print(f"warning: {args.file}: no air or drone strike found in the report", file=sys.stderr)
    for row in unplaced.itertuples():
        print(f"warning: {row.event_id_cnty}: not placed ({row.geocoder})", file=sys.stderr)
    return 0 if len(events) and unplaced.empty else 1


def _events_summary(events) -> str:
    """Proposed events for a person to read: each field beside the words it came from."""
    import pandas as pd

    def shown(value, empty="-"):
        return empty if value is None or pd.isna(value) or value == "" else value

    lines = [f"{count_of(len(events), 'proposed event')} (check each before use)"]
    for row in events.itertuples():
        precision = {1: "day", 2: "week", 3: "month"}.get(row.time_precision, "?")
        where = "not placed" if pd.isna(row.latitude) else (
            f"{row.location} ({row.country}), precision {row.geo_precision}, ±{row.radius_km:g} km")
        killed = shown(row.fatalities_min, "not stated")
        if shown(row.fatalities_max) not in ("-", killed):
            killed = f"{killed}-{row.fatalities_max}"
        region = f" in {row.region_mention!r}" if row.region_mention not in ("", row.location_mention) else ""
        lines += [
            "",
            f"{row.event_id_cnty}  {row.event_date} ({precision})  {row.sub_event_type}",
            f"  place     {where}  [{row.geocoder}]",
            f"            from {row.location_mention!r}{region}",
            f"  date      {row.date_text!r}: {row.date_rule}",
            f"  actors    {row.actor1 or '?'} -> {row.actor2 or '?'}  (from: {row.actors_text or 'none named'})",
            f"  counts    {shown(row.location_count)} locations, {shown(row.strike_count)} strikes"
            f"  ({row.counts_text or 'no numbers'})",
            f"  killed    {killed}" + (f"  ({row.casualties_text})" if row.casualties_text else ""),
            f"  sentence  {row.notes}",
        ]
    return "\n".join(lines)


def cmd_setup(args) -> int:
    from .web.assets import install_assets
    from .geocoding.gazetteer import build_gazetteer, is_current

    if args.force or not is_current(config.GAZETTEER_DB):  # missing, or built by older code
        counts = build_gazetteer()
        print(f"gazetteer: {counts} -> {config.GAZETTEER_DB}", file=sys.stderr)
    assets = install_assets(force=args.force)
    print(f"static assets: {len(assets['vendor'])} vendor files, basemap {assets['basemap']}", file=sys.stderr)
    if assets["context"] is not None:
        print(f"basemap context (files by band): {assets['context']}", file=sys.stderr)
    return 0


def cmd_schema(args) -> int:
    from .io.schema import as_records, markdown_table

    if args.json:
        print(json.dumps(as_records(), ensure_ascii=False, indent=1))
    else:
        sys.stdout.write(markdown_table())
    return 0


def _store(args):
    from .store.event_store import open_store

    return open_store(args.db)


def cmd_store_seed(args) -> int:
    from .store.event_store import seed

    with _store(args) as store:
        change = seed(store, args.events)
        print(f"seeded {count_of(change.events)} into data set {change.dataset!r} of {store.url} "
              f"(change {change.change_id})", file=sys.stderr)
    return 0


def _shown(value, width: int = 70) -> str:
    text = repr(value)
    return text if len(text) <= width else text[:width - 1] + "…"


def cmd_store_history(args) -> int:
    import pandas as pd

    with _store(args) as store:
        history = store.history(args.event_id, dataset=args.dataset)
    for entry in history.itertuples():
        undoes = f" of change {entry.undoes}" if pd.notna(entry.undoes) else ""
        print(f"change {entry.change_id}  {entry.at:%Y-%m-%d %H:%M} UTC  {entry.author}  {entry.kind}{undoes}, "
              f"version {entry.version}  {entry.comment!r}")
        if entry.action == "update":
            for column, old in entry.before.items():
                print(f"    {column}: {_shown(old)} -> {_shown(entry.after[column])}")
        elif entry.action == "delete":
            print(f"    deleted (kept whole in the history: `python -m geo store undo {entry.change_id}` brings it back)")
        elif entry.kind == "undo":
            print("    brought back")
    return 0


def cmd_store_log(args) -> int:
    import pandas as pd

    with _store(args) as store:
        changes = store.changes(limit=args.limit)
    for change in changes.itertuples():
        undoes = f" of change {change.undoes}" if pd.notna(change.undoes) else ""
        print(f"change {change.change_id}  {change.at:%Y-%m-%d %H:%M} UTC  {change.author}  {change.kind}{undoes}  "
              f"{change.dataset}: {count_of(change.events)}  {change.comment!r}")
    return 0


def cmd_store_undo(args) -> int:
    with _store(args) as store:
        change = store.undo(args.change_id, args.message)
    print(f"change {change.change_id} undid change {args.change_id} ({count_of(change.events)})", file=sys.stderr)
    return 0


def cmd_store_import(args) -> int:
    from .io.read import read_events
    from .store.datasets import save_import

    with _store(args) as store:
        store.require(None, "import")  # refused now, before a long read, if you may not import here
        events, summary = read_events(args.file, args.fmt, sub_event_types=args.sub_event_type,
                                      on_bad_rows=args.on_bad_rows, progress=True)
        saved = save_import(store, events, args.file.name, args.fmt, name=args.dataset, exact=True)
    for line in summary.lines():
        print(line, file=sys.stderr)
    print(f"imported {len(events)} events into data set {saved.store_name!r} of {store.url}", file=sys.stderr)
    return 1 if summary.unplaced or summary.set_aside else 0


def cmd_store_roles(args) -> int:
    from .store.event_store import default_author

    with _store(args) as store:
        members, me = store.members(), default_author()
        role, shared = store.role_of(me), store.shared
    if not shared:
        print("this event store is open (no roles granted): whoever writes to it may do everything; "
              "`python -m geo store grant YOU admin` shares it")
    for member in members.itertuples():
        print(f"{member.member}  {member.role}  (granted by {member.granted_by} at {member.granted_at:%Y-%m-%d %H:%M} UTC)")
    print(f"you are {me}: {role}", file=sys.stderr)
    return 0


def cmd_store_grant(args) -> int:
    with _store(args) as store:
        if args.role == "none":
            store.revoke(args.member)
        else:
            store.grant(args.member, args.role)
    print(f"{args.member}: {args.role}", file=sys.stderr)
    return 0


def _add_store_command(commands) -> None:
    """``python -m geo store ...``: the event store (geo.store.event_store) from the command line."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--db", metavar="URL", help="the store: a SQLite file or postgresql://user@host/db "
                                                    "(default $STRIKEMAP_DB, else data/store.sqlite)")
    store = commands.add_parser(
        "store", help="the event store: seed it, see an event's history, undo a change",
        epilog="examples: python -m geo store seed\n"
               "          python -m geo store history SM-SYR-2021-0002\n"
               "          python -m geo store undo 7 -m 'the first count was right'",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    actions = store.add_subparsers(dest="action", required=True)
    seed = actions.add_parser("seed", parents=[common], help="load data/events.csv into a new store",
                              epilog="example: STRIKEMAP_DB=postgresql://me@db.example/strikemap python -m geo store seed")
    seed.add_argument("--events", type=Path, default=config.events_path(),
                      help=f"the curated events file (default {config.events_path()}); it is only read")
    seed.set_defaults(run=cmd_store_seed)
    history = actions.add_parser("history", parents=[common], help="every change to one event, oldest first",
                                 epilog="example: python -m geo store history SM-SYR-2021-0002")
    history.add_argument("event_id", metavar="EVENT_ID")
    history.add_argument("--dataset", default="bundled", help="the data set it is in (default bundled)")
    history.set_defaults(run=cmd_store_history)
    log = actions.add_parser("log", parents=[common], help="the latest changes, newest first",
                             epilog="example: python -m geo store log --limit 5")
    log.add_argument("--limit", type=int, default=20, help="how many (default 20)")
    log.set_defaults(run=cmd_store_log)
    undo = actions.add_parser("undo", parents=[common], help="revert a change (recorded as a change itself)",
                              epilog="example: python -m geo store undo 7 -m 'the first count was right'")
    undo.add_argument("change_id", type=int, metavar="CHANGE_ID")
    undo.add_argument("-m", "--message", default="", help="why (recorded with the undo)")
    undo.set_defaults(run=cmd_store_undo)
    imports = actions.add_parser("import", parents=[common], help="import a file into the store as a new data set",
                                 epilog='example: python -m geo store import acled export.csv --sub-event-type '
                                        '"Air/drone strike" --dataset acled-2021')
    imports.add_argument("fmt", choices=IMPORT_FORMATS, metavar="FORMAT", help=", ".join(IMPORT_FORMATS))
    imports.add_argument("file", type=Path, metavar="FILE")
    imports.add_argument("--dataset", help="the new data set's name, exactly (default: the file's name, then the time)")
    imports.add_argument("--sub-event-type", action="extend", type=lambda t: [x.strip() for x in t.split(",") if x.strip()],
                         default=[], metavar="TYPE", help="keep only these sub-event types (ACLED)")
    imports.add_argument("--on-bad-rows", choices=["error", "skip"], default="error",
                         help="error (default): refuse the file if any row is bad; skip: set them aside")
    imports.set_defaults(run=cmd_store_import)
    listing = actions.add_parser("roles", parents=[common], help="who holds which role, and yours",
                                 epilog="example: python -m geo store roles")
    listing.set_defaults(run=cmd_store_roles)
    grant = actions.add_parser(
        "grant", parents=[common], help="give someone a role (admins; the first grant shares an open store)",
        epilog="examples: python -m geo store grant alice@example.org admin\n"
               "          python -m geo store grant bob@example.org editor\n"
               "          python -m geo store grant bob@example.org none    # revoke: back to viewer",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    grant.add_argument("member", metavar="IDENTITY", help="the e-mail the sign-in gives (or a login name)")
    grant.add_argument("role", choices=["viewer", "editor", "admin", "none"])
    grant.set_defaults(run=cmd_store_grant)


def _batch_report(result: dict, out_dir: Path) -> int:
    print(f"{out_dir}: {result['rows']} rows in {result['files']} GeoParquet files "
          f"({result['done_now']} of {result['partitions']} partitions done by this run), "
          f"{result['unplaced']} without a place, {result['rejected']} rejected"
          + (f" (listed in {out_dir / '_rejects.csv'})" if result["rejected"] else ""), file=sys.stderr)
    return 1 if result["unplaced"] or result["rejected"] else 0


def cmd_batch_geocode(args) -> int:
    from .batch.geocode import batch_geocode

    return _batch_report(batch_geocode(args.input, args.column, args.output, scheduler=args.scheduler,
                                       workers=args.workers, country=args.country, focus=args.focus,
                                       partition_rows=args.partition_size), args.output)


def cmd_batch_extract(args) -> int:
    from .batch.extract import batch_extract

    return _batch_report(batch_extract(args.input, args.output, scheduler=args.scheduler, workers=args.workers,
                                       column=args.column, date_column=args.date_column,
                                       partition_reports=args.partition_size), args.output)


def cmd_batch_import(args) -> int:
    from .batch.imports import batch_import

    return _batch_report(batch_import(args.fmt, args.input, args.output, scheduler=args.scheduler,
                                      workers=args.workers, partition_rows=args.partition_size), args.output)


def _add_batch_command(commands) -> None:
    """``python -m geo batch ...``: geocode, extract and import over archives on dask.distributed (geo.batch)."""
    def command(name: str, first_arguments, **options):
        """A batch sub-command: its own positionals (so `batch import acled INPUT` reads in that order), then
        the options every batch takes."""
        parser = actions.add_parser(name, formatter_class=argparse.RawDescriptionHelpFormatter, **options)
        first_arguments(parser)
        parser.add_argument("-o", "--output", type=Path, required=True, metavar="OUT_DIR",
                            help="the GeoParquet dataset folder to write (new or empty; or the same run's, to resume)")
        where = parser.add_mutually_exclusive_group()
        where.add_argument("--scheduler", metavar="ADDRESS",
                           help="a running Dask scheduler, e.g. tcp://10.0.0.5:8786 (`dask scheduler`, then "
                                "`dask worker tcp://10.0.0.5:8786` on each machine)")
        where.add_argument("--workers", type=_positive, metavar="N",
                           help="without --scheduler: worker processes on this machine (default: its cores)")
        return parser

    def table_input(parser):
        parser.add_argument("input", type=Path, metavar="INPUT", help="a CSV or Parquet file, or a folder of such parts")

    batch = commands.add_parser(
        "batch", help="geocode, extract or import an archive on a Dask cluster (or this machine's cores)",
        description="The single-process geocode --csv, extract and import, over archives: partitions run on "
                    "dask.distributed workers; the result is a partitioned GeoParquet dataset. A killed run, "
                    "restarted with the same command, does only the missing partitions.",
        epilog="examples: python -m geo batch geocode mentions.parquet --column place -o placed/\n"
               "          python -m geo batch extract reports/ -o proposed/ --scheduler tcp://10.0.0.5:8786\n"
               "          python -m geo batch import acled acled_export.csv -o acled/ --workers 4",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    actions = batch.add_subparsers(dest="action", required=True)
    geocode = command(
        "geocode", table_input, help="geocode one column: the answers of geocode --csv, row for row",
        epilog="example: python -m geo batch geocode mentions.csv --column place -o placed/ --workers 2")
    geocode.add_argument("--column", required=True, metavar="COL", help="the column holding the mentions")
    geocode.add_argument("--country", metavar="CC", help="ISO 3166 alpha-2 code the places must lie in, e.g. IQ")
    geocode.add_argument("--focus", type=_country_list, default=_country_list(os.environ.get("STRIKEMAP_FOCUS", "")),
                         metavar="CC,CC", help="countries the archive is about (default $STRIKEMAP_FOCUS)")
    geocode.add_argument("--partition-size", type=_positive, default=100_000, metavar="ROWS",
                         help="rows per partition (default 100000): the unit of work, of restart and of output file")
    geocode.set_defaults(run=cmd_batch_geocode)
    extract = command(
        "extract", lambda parser: parser.add_argument(
            "input", type=Path, metavar="INPUT", help="a folder of reports, or a CSV or Parquet file (or folder of parts)"),
        help="propose events from many reports: the answers of extract, report by report",
        description="INPUT: a folder of .txt/.html reports (one report a file), or a CSV/Parquet file (or folder "
                    "of parts) with one report a row in --column.",
        epilog="examples: python -m geo batch extract reports/ -o proposed/\n"
               "          python -m geo batch extract reports.parquet --column text --date-column published "
               "-o proposed/")
    extract.add_argument("--column", default="text", metavar="COL",
                         help="table input: the column holding each report's text (default text)")
    extract.add_argument("--date-column", metavar="C",
                         help="table input: the column holding each report's date (YYYY-MM-DD; default: the "
                              "date in the report's header)")
    extract.add_argument("--partition-size", type=_positive, default=200, metavar="REPORTS",
                         help="reports per partition (default 200)")
    extract.set_defaults(run=cmd_batch_extract)
    def format_and_input(parser):
        parser.add_argument("fmt", choices=["acled", "ucdp"], metavar="FORMAT", help="acled or ucdp")
        parser.add_argument("input", type=Path, metavar="INPUT", help="a CSV export, or a folder of CSV parts")

    imports = command(
        "import", format_and_input, help="import an ACLED or UCDP GED archive: the answers of import, part by part",
        epilog="example: python -m geo batch import ucdp GEDEvent_v25_1.csv -o ged/")
    imports.add_argument("--partition-size", type=_positive, default=50_000, metavar="ROWS",
                         help="rows per partition (default 50000)")
    imports.set_defaults(run=cmd_batch_import)


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number of at least 1")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m geo", description="strikemap: air-strike reports to maps, offline.")
    commands = parser.add_subparsers(dest="command", required=True)

    geocode = commands.add_parser(
        "geocode", help="resolve place mentions",
        description="Resolve place mentions offline. Exit status 1 if any mention is unresolved.",
        epilog='examples: python -m geo geocode --json "near Al-Bukamal" "the Iraq-Syria border region"\n'
               '          python -m geo geocode --csv reports.csv --column place -o placed.geojson',
        formatter_class=argparse.RawDescriptionHelpFormatter)
    geocode.add_argument("mentions", nargs="*", metavar="MENTION", help="mentions, or - to read one a line from stdin")
    geocode.add_argument("--json", action="store_true", help="one JSON object a line")
    geocode.add_argument("--country", metavar="CC", help="ISO 3166 alpha-2 code the places must lie in, e.g. IQ")
    geocode.add_argument("--provider", choices=["offline", "nominatim"], default="offline",
                         help="online fallback for mentions the offline gazetteer cannot place or only "
                              "matches loosely (default: offline, nothing leaves this machine)")
    geocode.add_argument("--nominatim-domain", metavar="HOST[:PORT]",
                         help="a self-hosted Nominatim, e.g. 127.0.0.1:8080 "
                              "(default $STRIKEMAP_NOMINATIM_DOMAIN or nominatim.openstreetmap.org)")
    geocode.add_argument("--timeout", type=float, metavar="SECONDS",
                         help="online request timeout (default $STRIKEMAP_PROVIDER_TIMEOUT or 5)")
    geocode.add_argument("--together", action="store_true",
                         help="the mentions come from one report: read each ambiguous name near the others")
    geocode.add_argument("--focus", type=_country_list, default=_country_list(os.environ.get("STRIKEMAP_FOCUS", "")),
                         metavar="CC,CC", help="countries your reports are about, preferred among places of "
                                               "one name, e.g. SY,IQ (default $STRIKEMAP_FOCUS)")
    geocode.add_argument("--min-confidence", type=_confidence, metavar="X",
                         help="answers scoring under X (0-1) are printed as unresolved, with the reason "
                              "(exit status 1); every answer's score and status are in --json")
    geocode.add_argument("--csv", type=Path, metavar="FILE", help="batch: geocode a column of this CSV file")
    geocode.add_argument("--column", metavar="NAME", help="batch: the column holding the mentions")
    geocode.add_argument("-o", "--output", type=Path, help="batch: OUT.geojson or OUT.csv (resolution columns added)")
    geocode.set_defaults(run=cmd_geocode)

    events_default = config.events_path()
    build = commands.add_parser("build", help="geocode the events CSV into GeoJSON",
                                epilog="example: python -m geo build")
    build.add_argument("--events", type=Path, default=events_default, help=f"events file (default {events_default})")
    build.add_argument("-o", "--output", type=Path, default=config.DEFAULT_EVENTS_GEOJSON)
    build.set_defaults(run=cmd_build)

    export = commands.add_parser(
        "export", help="write the events between two dates (inclusive)",
        epilog="example: python -m geo export --start 2021-06-01 --end 2021-06-30 -o june.geojson")
    export.add_argument("--start", type=_iso_date, help="first day, YYYY-MM-DD (inclusive)")
    export.add_argument("--end", type=_iso_date, help="last day, YYYY-MM-DD (inclusive)")
    export.add_argument("--format", choices=EXPORT_FORMATS,
                        help="default: from the file suffix; "
                             + "; ".join(f"{f} = {FORMATS[f].export_title}" for f in EXPORT_FORMATS))
    export.add_argument("--view", metavar="LINK", help="a dashboard link (or its query string): export exactly "
                        "what it shows, e.g. 'start=2021-06-01&country=Syria&precision=2'")
    export.add_argument("--events", type=Path, default=events_default, help=f"events file (default {events_default})")
    export.add_argument("-o", "--output", type=Path, required=True)
    export.set_defaults(run=cmd_export)

    _add_import_command(commands)
    extract = commands.add_parser(
        "extract", help="propose strike events from a written report",
        description="Read a strike report and propose events (date, place, actors, counts, casualties), each "
                    "field with the words it came from. Exit status 1 if nothing is proposed or a row is not placed.",
        epilog="examples: python -m geo extract data/articles/000_561c48b6145f2520.txt --date 2021-06-28\n"
               "          cat report.html | python -m geo extract - --date 2021-06-28 -o proposed.geojson",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    extract.add_argument("file", metavar="FILE", help="the report (text or HTML), or - to read stdin")
    extract.add_argument("--date", type=_iso_date, help="the report's date, YYYY-MM-DD, which 'on Sunday' and "
                         "'yesterday' count from (default: the date in the report's header)")
    extract.add_argument("-o", "--output", type=Path, help="write OUT.csv, OUT.geojson or OUT.gpkg instead")
    extract.add_argument("--json", action="store_true", help="one GeoJSON Feature a line")
    extract.set_defaults(run=cmd_extract)

    setup = commands.add_parser("setup", help="build the offline gazetteer and the map's static assets",
                                epilog="example: python -m geo setup --force")
    setup.add_argument("--force", action="store_true", help="rebuild even if present")
    setup.set_defaults(run=cmd_setup)
    schema = commands.add_parser("schema", help="the event table's columns: type, where shown, meaning",
                                 epilog="example: python -m geo schema --markdown")
    form = schema.add_mutually_exclusive_group()
    form.add_argument("--markdown", action="store_true", help="a Markdown table, as in the README (the default)")
    form.add_argument("--json", action="store_true", help="a JSON list of the columns, for other tools")
    schema.set_defaults(run=cmd_schema)
    _add_store_command(commands)
    _add_batch_command(commands)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except StrikemapError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0
