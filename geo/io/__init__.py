"""I/O: event files in and out.

Owns the event table's schema, declared once (``schema``: columns, types, labels, where each is
shown, the precision codes, type coercion), reading and validating files and placing their rows
(``events``), importers for other tools' exports such as ACLED and UCDP GED
(``importers``) and the writers: GeoJSON (RFC 7946), CSV, GeoPackage, GeoParquet
(``export``).
"""
