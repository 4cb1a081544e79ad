"""Geocoding: place mentions -> honest geometries.

Owns names and their spelling keys (``names``), the offline gazetteer index of GeoNames
places and second-level units and Natural Earth areas (``gazetteer``), candidates and their ranking
(``candidates``), region and phrase geometries (``regions``, ``phrases``), curated sites
(``sites``), optional online providers through geopy (``providers``), the answer record
(``resolution``) and ``resolve_mention`` / ``resolve_mentions`` (``resolve``).
"""
