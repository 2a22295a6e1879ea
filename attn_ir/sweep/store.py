"""Sweep results on disk.

Rows stream into a journal beside the table (``RESULTS.journal``: one JSON
line per finished point, ``{"key": ..., "row": {...}}``, flushed as each
point finishes), so Ctrl-C, a killed worker or a killed runner loses at
most the points in flight.  A rerun reads the journal and skips the keys it
holds; a line cut short by a kill is ignored (and its point rerun).  The
table (CSV, or Parquet for a ``.parquet`` path, which needs pyarrow) is
written from the journal, atomically, in the spec's point order, one row per
key: rerunning never duplicates a row.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from collections.abc import Iterable, Sequence
from typing import Any


class StoreError(ValueError):
    """A results file that cannot be read or written (one line)."""


def journal_path(output: str) -> str:
    return output + ".journal"


class Journal:
    """Append-only JSON lines of finished points."""

    def __init__(self, path: str):
        self.path = path
        self.rows: dict[str, dict] = {}
        if os.path.exists(path):
            with open(path, "rb") as f:
                data = f.read()
            for line in data.splitlines():
                try:
                    entry = json.loads(line)
                    self.rows[entry["key"]] = entry["row"]
                except (ValueError, KeyError, TypeError):
                    continue  # a line cut short by a kill: its point runs again
            needs_newline = bool(data) and not data.endswith(b"\n")
        else:
            needs_newline = False
        try:
            self._file = open(path, "a", encoding="utf-8")
        except OSError as e:
            raise StoreError(f"cannot write '{path}': {e.strerror}") from None
        if needs_newline:
            self._file.write("\n")

    def add(self, key: str, row: dict) -> None:
        self._file.write(json.dumps({"key": key, "row": row}, separators=(",", ":")) + "\n")
        self._file.flush()
        self.rows[key] = row

    def close(self) -> None:
        self._file.close()


def _csv_text(rows: Sequence[dict], columns: Sequence[str]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["" if row.get(c) is None else
                         ("true" if row[c] is True else "false" if row[c] is False
                          else repr(row[c]) if isinstance(row[c], float) else row[c])
                         for c in columns])
    return out.getvalue()


def _atomic_write(path: str, data: bytes) -> None:
    directory = os.path.dirname(os.path.abspath(path))
    try:
        fd, tmp = tempfile.mkstemp(dir=directory, prefix=".attn_ir-", suffix=".tmp")
    except OSError as e:
        raise StoreError(f"cannot write '{path}': {e.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def check_output(path: str) -> None:
    """Fail before a sweep starts when its table could not be written."""
    if path.endswith(".parquet"):
        import importlib.util

        if importlib.util.find_spec("pyarrow") is None:
            raise StoreError(f"'{path}': writing Parquet needs pyarrow (pip install "
                             "'attn_ir[parquet]'); or give a .csv path")
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise StoreError(f"cannot write '{path}': no directory '{directory}'")


def write_table(path: str, rows: Sequence[dict], columns: Sequence[str]) -> None:
    """CSV, or Parquet when ``path`` ends in ``.parquet``."""
    if path.endswith(".parquet"):
        try:
            import pyarrow as pa
            import pyarrow.parquet as pq
        except ImportError:
            raise StoreError(f"'{path}': writing Parquet needs pyarrow (pip install "
                             "'attn_ir[parquet]'); or give a .csv path") from None
        table = pa.Table.from_pylist([{c: r.get(c) for c in columns} for r in rows])
        buffer = pa.BufferOutputStream()
        pq.write_table(table, buffer)
        _atomic_write(path, buffer.getvalue().to_pybytes())
        return
    _atomic_write(path, _csv_text(rows, columns).encode("utf-8"))


def _value(text: str) -> Any:
    if text == "":
        return None
    if text in ("true", "false"):
        return text == "true"
    for convert in (int, float):
        try:
            return convert(text)
        except ValueError:
            pass
    return text


def read_table(path: str) -> tuple[list[str], list[dict]]:
    """(columns, rows) of a results table."""
    if path.endswith(".parquet"):
        try:
            import pyarrow.parquet as pq
        except ImportError:
            raise StoreError(f"'{path}': reading Parquet needs pyarrow") from None
        try:
            table = pq.read_table(path)
        except OSError as e:
            raise StoreError(f"cannot read '{path}': {e}") from None
        # As in a CSV, an empty cell (an ok row's diagnostic) reads as None.
        rows = [{k: (None if v == "" else v) for k, v in r.items()} for r in table.to_pylist()]
        return list(table.column_names), rows
    try:
        with open(path, encoding="utf-8", newline="") as f:
            reader = csv.reader(f)
            header = next(reader, None)
            if header is None:
                raise StoreError(f"'{path}' is empty, not a sweep table")
            rows = [dict(zip(header, map(_value, line))) for line in reader]
    except OSError as e:
        raise StoreError(f"cannot read '{path}': {e.strerror}") from None
    except UnicodeDecodeError:
        raise StoreError(f"cannot read '{path}': not UTF-8 text") from None
    for needed in ("status", "pareto"):
        if needed not in header:
            raise StoreError(f"'{path}' is not an attn-sweep table: no '{needed}' column")
    return header, rows


def ordered_rows(keys: Iterable[str], rows: dict[str, dict]) -> list[dict]:
    """The rows of ``keys`` that are done, in ``keys``' order, once each."""
    seen: set[str] = set()
    out = []
    for key in keys:
        if key in rows and key not in seen:
            seen.add(key)
            out.append({**rows[key], "key": key})
    return out
