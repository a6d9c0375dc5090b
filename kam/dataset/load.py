"""Writing generated lines into the database: COPY on PostgreSQL, large batched inserts elsewhere.

On PostgreSQL the secondary indexes and foreign keys of the loaded tables are dropped before the load and
recreated after it, from their own definitions (pg_get_indexdef / pg_get_constraintdef), all inside the one
transaction of the load: a failure leaves the schema and the data exactly as they were. Recreating the foreign
keys validates every reference in one pass, so a load that finishes is consistent.
"""

from __future__ import annotations

import io
import json
import queue
import threading
import time
from collections.abc import Iterable, Iterator

from django.db import models

from kam.dataset.rows import BOOLEAN_COLUMNS, NULL, TIMESTAMP_COLUMNS


def prefetched(chunks: Iterable[str], depth: int = 3) -> Iterator[str]:
    """Generate chunks in a background thread while the caller sends the previous ones.

    psycopg2 releases the GIL while libpq sends data and waits for the server, so Python builds the next chunk
    of rows while PostgreSQL parses the last one: on two cores the load takes the longer of the two, not the sum.
    """
    handoff: queue.Queue = queue.Queue(maxsize=depth)
    done = object()

    def produce():
        try:
            for chunk in chunks:
                handoff.put(chunk)
            handoff.put(done)
        except BaseException as error:  # handed to the consumer, which raises it
            handoff.put(error)

    thread = threading.Thread(target=produce, name="dataset-rows", daemon=True)
    thread.start()
    while True:
        item = handoff.get()
        if item is done:
            break
        if isinstance(item, BaseException):
            raise item
        yield item
    thread.join()


class LineStream(io.TextIOBase):
    """A file-like object over an iterator of text chunks, for cursor.copy_expert."""

    def __init__(self, chunks: Iterable[str], suffix: str = ""):
        self._chunks: Iterator[str] = iter(chunks)
        self._suffix = suffix

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> str:
        # psycopg2 sends whatever one call returns, so a whole chunk at a time is fine.
        for chunk in self._chunks:
            if chunk:
                return chunk.replace("\n", self._suffix + "\n") if self._suffix else chunk
        return ""


def extra_columns(model: type[models.Model], provided: list[str]) -> tuple[list[str], list[str]]:
    """Columns the generator does not know about (added to the model later): filled with the field's default.

    Keeps the generator working when another change adds a column with a default to one of these tables.
    """
    names, values = [], []
    for field in model._meta.concrete_fields:
        if field.column in provided:
            continue
        if field.has_default():
            value = field.get_default()
        elif field.null:
            value = None
        else:
            raise RuntimeError(f"{model._meta.label}.{field.name} has no default; teach kam/dataset about it.")
        if value is None:
            text = NULL
        elif isinstance(field, models.JSONField):
            text = json.dumps(value)
        elif isinstance(field, models.BooleanField):
            text = "t" if value else "f"
        else:
            text = str(value)
        names.append(field.column)
        values.append(text)
    return names, values


class Loader:
    """Common interface; `copy` returns (rows, seconds)."""

    def __init__(self, connection, log):
        self.connection = connection
        self.log = log

    def prepare(self, models_: list[type[models.Model]]) -> None: ...

    def finish(self) -> None: ...

    def copy(self, model, columns: list[str], chunks: Iterable[str], counter) -> float:
        raise NotImplementedError


class PostgresLoader(Loader):
    def __init__(self, connection, log):
        super().__init__(connection, log)
        self._indexes: list[tuple[str, str]] = []
        self._foreign_keys: list[tuple[str, str, str]] = []

    def _execute(self, sql: str, params=None):
        with self.connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall() if cursor.description else None

    def prepare(self, models_):
        tables = [m._meta.db_table for m in models_]
        # Check the users' references now: a table with pending deferred checks cannot be altered.
        self._execute("SET CONSTRAINTS ALL IMMEDIATE")
        # Settings for a bulk load; they end with the transaction.
        self._execute("SET LOCAL synchronous_commit = off")
        self._execute("SET LOCAL maintenance_work_mem = '512MB'")
        self._indexes = self._execute(
            """
            SELECT i.relname, pg_get_indexdef(i.oid)
            FROM pg_index x
            JOIN pg_class i ON i.oid = x.indexrelid
            JOIN pg_class t ON t.oid = x.indrelid
            WHERE t.relname = ANY(%s) AND NOT x.indisprimary
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)
            ORDER BY t.relname, i.relname
            """,
            [tables],
        )
        self._foreign_keys = self._execute(
            """
            SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid)
            FROM pg_constraint
            WHERE contype = 'f' AND conrelid::regclass::text = ANY(%s)
            ORDER BY 1, 2
            """,
            [tables],
        )
        for table, name, _ in self._foreign_keys:
            self._execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
        for name, _ in self._indexes:
            self._execute(f'DROP INDEX "{name}"')
        self.log(f"  dropped {len(self._indexes)} secondary indexes and {len(self._foreign_keys)} foreign keys")

    def copy(self, model, columns, chunks, counter):
        names, values = extra_columns(model, columns)
        suffix = "".join("\t" + v for v in values)
        sql = 'COPY "{}" ({}) FROM STDIN'.format(model._meta.db_table, ", ".join(f'"{c}"' for c in [*columns, *names]))
        started = time.perf_counter()
        with self.connection.cursor() as cursor:
            cursor.copy_expert(sql, LineStream(prefetched(chunks), suffix), 1 << 20)
        return time.perf_counter() - started

    def finish(self):
        started = time.perf_counter()
        for name, definition in self._indexes:
            began = time.perf_counter()
            self._execute(definition)
            if time.perf_counter() - began >= 1:
                self.log(f"  index {name}: {time.perf_counter() - began:.1f} s")
        for table, name, definition in self._foreign_keys:
            began = time.perf_counter()
            self._execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
            if time.perf_counter() - began >= 1:
                self.log(f"  foreign key {name}: {time.perf_counter() - began:.1f} s")
        self.log(f"  indexes and foreign keys rebuilt in {time.perf_counter() - started:.1f} s")


class BatchLoader(Loader):
    """SQLite and anything else: executemany in large batches, values converted from the COPY text format."""

    BATCH = 5_000

    def copy(self, model, columns, chunks, counter):
        names, values = extra_columns(model, columns)
        all_columns = [*columns, *names]
        field_types = {f.column: f for f in model._meta.concrete_fields}
        timestamps = [i for i, c in enumerate(all_columns) if c in TIMESTAMP_COLUMNS]
        booleans = [
            i
            for i, c in enumerate(all_columns)
            if c in BOOLEAN_COLUMNS or isinstance(field_types.get(c), models.BooleanField)
        ]
        sql = "INSERT INTO {} ({}) VALUES ({})".format(
            self.connection.ops.quote_name(model._meta.db_table),
            ", ".join(self.connection.ops.quote_name(c) for c in all_columns),
            ", ".join(["%s"] * len(all_columns)),
        )
        started = time.perf_counter()
        batch = []
        with self.connection.cursor() as cursor:
            for chunk in chunks:
                for line in chunk.splitlines():
                    row = [None if v == NULL else v for v in line.split("\t")]
                    row.extend(None if v == NULL else v for v in values)
                    for i in timestamps:
                        if row[i] is not None:
                            row[i] = row[i][:-3]  # naive UTC, as Django stores it without time zone support
                    for i in booleans:
                        row[i] = row[i] == "t"
                    batch.append(row)
                    if len(batch) >= self.BATCH:
                        cursor.executemany(sql, batch)
                        batch = []
            if batch:
                cursor.executemany(sql, batch)
        return time.perf_counter() - started


def loader_for(connection, log) -> Loader:
    return PostgresLoader(connection, log) if connection.vendor == "postgresql" else BatchLoader(connection, log)
