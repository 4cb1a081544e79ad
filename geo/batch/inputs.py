"""A batch's input: a CSV or Parquet file, or a folder of such parts, read as the single-process commands
read them (CSV cells as text: ``geo.io.read.read_csv_table``)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from ..errors import StrikemapError

TABLE_SUFFIXES = (".csv", ".parquet")


def input_files(path: Path | str, suffixes: tuple[str, ...] = TABLE_SUFFIXES) -> list[Path]:
    """``path`` itself, or the files of folder ``path`` with one of ``suffixes``, by name (hidden and
    ``_``-prefixed files left out, as Parquet datasets do)."""
    path = Path(path)
    if path.is_file():
        if path.suffix.lower() not in suffixes:
            raise StrikemapError(f"{path}: a batch reads {', '.join(suffixes)} files, not {path.suffix or 'this'}")
        return [path]
    if not path.is_dir():
        raise StrikemapError(f"{path}: no such file or folder")
    files = sorted(p for p in path.iterdir()
                   if p.is_file() and p.suffix.lower() in suffixes and not p.name.startswith((".", "_")))
    if not files:
        raise StrikemapError(f"{path}: the folder holds no {' or '.join(suffixes)} file")
    return files


def read_table(files: list[Path]) -> pd.DataFrame:
    """The rows of every file, in order, numbered from 0 across them."""
    from ..io.read import read_csv_table

    frames = []
    for file in files:
        if file.suffix.lower() == ".parquet":
            try:
                frames.append(pd.read_parquet(file))
            except Exception as exc:  # pyarrow has no error family of its own for a bad file
                raise StrikemapError(f"{file}: not a readable Parquet file ({exc})") from None
        else:
            frames.append(read_csv_table(file))
    return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0].reset_index(drop=True)


def require_column(table: pd.DataFrame, column: str, where: Path | str, option: str) -> None:
    if column not in table.columns:
        raise StrikemapError(f"{where}: no column {column!r} ({option}); the columns are "
                             f"{', '.join(map(str, table.columns))}")


def consistent_types(frame):
    """Columns of no value in this partition typed as text, not Parquet's null type: partitions written
    apart must share one schema for a dataset reader (a column empty here may hold text elsewhere)."""
    empty = [c for c in frame.columns
             if c != getattr(frame, "_geometry_column_name", None) and frame[c].dtype == object and frame[c].isna().all()]
    return frame.astype({c: "string" for c in empty}) if empty else frame
