"""Batches over archives on dask.distributed: ``geocode``, ``extract`` and ``import`` run over many
partitions by workers, with answers identical to the single-process commands.

This package owns the distributed runs and nothing else: what a row or report becomes is decided by
``geo.geocoding``, ``geo.reports`` and ``geo.io``, called here exactly as the single-process commands call them.

- ``cluster``: the Dask client (a ``LocalCluster`` of worker processes, or a scheduler by address), the
  per-worker gazetteer (a ``WorkerPlugin``) and progress;
- ``inputs``: the input (CSV or Parquet, a file or a folder of parts), read as the single-process commands read it;
- ``dataset``: the output folder: staged input parts, finished partitions written under a temporary
  name and renamed, the manifest that makes a restarted run do only the missing partitions, the rejects
  file, and the final spatially shuffled GeoParquet dataset (dask-geopandas);
- ``geocode``, ``extract``, ``imports``: the three runs (``python -m geo batch ...``).
"""
