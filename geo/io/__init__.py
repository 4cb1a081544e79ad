"""I/O: event files in and out.

Owns the event table's schema, declared once (``schema``: columns, types, labels, where each is
shown, the precision codes, type coercion), the file formats (``formats``: each declared once), the
one reader every file goes through (``read``: the bundled file, ``STRIKEMAP_EVENTS``, uploads,
``python -m geo import``), the event table's checks and placing of rows (``events``), other tools'
columns into ours, such as ACLED and UCDP GED (``importers``), and the writers: GeoJSON (RFC 7946),
CSV, GeoPackage, GeoParquet (``export``).
"""
