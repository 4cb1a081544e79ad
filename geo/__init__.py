"""strikemap's pipeline: place mentions -> honest geometries -> events -> maps and files.

One package per stage (README "How it fits together"):

    geocoding  mentions -> places and regions (resolve_mention)
    reports    report text -> proposed events (extract_events)
    io         the event schema, reading, importing and writing event files
    store      the event store (SQLite or PostGIS) and the data sets the page opens
    web        the map, its offline assets and the filters the page keeps in its URL
    cli        ``python -m geo``: each command one library call

Import from the stage modules; this package root stays light so the CLI starts fast.
"""

__version__ = "0.1.0"
