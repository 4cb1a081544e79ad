"""I/O: event files in and out.

Owns the event table's schema, reading and validating files and placing their rows
(``events``), importers for other tools' exports such as ACLED and UCDP GED
(``importers``) and the writers: GeoJSON (RFC 7946), CSV, GeoPackage, GeoParquet
(``export``).
"""
