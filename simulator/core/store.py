"""SQLite-backed cloud state keyed by vendor/account/region, shared across processes."""
from __future__ import annotations

import builtins
import contextvars
import json
import re
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS objects (
    vendor TEXT, account TEXT, region TEXT, kind TEXT, id TEXT, data TEXT,
    seq INTEGER, PRIMARY KEY (vendor, account, region, kind, id));
CREATE INDEX IF NOT EXISTS objects_by_id ON objects (vendor, kind, id);
CREATE TABLE IF NOT EXISTS object_keys (
    vendor TEXT, account TEXT, region TEXT, kind TEXT, id TEXT, name TEXT, value TEXT);
CREATE INDEX IF NOT EXISTS object_keys_lookup ON object_keys (vendor, account, region, kind, name, value);
CREATE INDEX IF NOT EXISTS object_keys_owner ON object_keys (vendor, account, region, kind, id);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS requests (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, at REAL, vendor TEXT, region TEXT, action TEXT,
    params TEXT, status INTEGER, error TEXT);
CREATE TABLE IF NOT EXISTS faults (
    id INTEGER PRIMARY KEY AUTOINCREMENT, vendor TEXT, action TEXT, region TEXT, kind TEXT,
    code TEXT, message TEXT, status INTEGER, remaining INTEGER, latency REAL, params TEXT);
"""

# What a model indexes in one of its records: (index name, value) pairs, read from the stored dict.
Keys = Callable[[dict[str, Any]], Iterable[tuple[str, str]]]
ANY = "\x00any"  # a key value that matches every lookup of its index (a record the index cannot describe)
_EVERY = "\x00every"  # the key name of a record its model could not read: every lookup returns it
_BATCH = 500  # ids per `IN (...)`: well under SQLite's bound-parameter limit
DEFAULT_ACCOUNT = "default"
# The account the request being handled signed as (set by the wire once the signature checks out): every
# read and write below is inside that account unless a caller names another.
_ACCOUNT: contextvars.ContextVar[str] = contextvars.ContextVar("simulator_account", default=DEFAULT_ACCOUNT)


@contextmanager
def as_account(account: str) -> Iterator[None]:
    """Run the block inside one account's objects (the thread's request; nested blocks restore the outer)."""
    token = _ACCOUNT.set(account)
    try:
        yield
    finally:
        _ACCOUNT.reset(token)


def current_account() -> str:
    return _ACCOUNT.get()


_PLAIN = re.compile(r"[ !#-\[\]-~]+")  # printable ASCII that JSON text never escapes (no quote, no backslash)


class Store:
    """One SQLite file; every request runs inside `transaction()` under one process-wide lock.

    Another process (a later `pulumi destroy`, a restarted `imageforge sim serve`) opening
    the same file sees the same cloud.
    """

    def __init__(self, path: Path | str) -> None:
        self.path = str(path)
        self._lock = threading.RLock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=30)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")  # durable across process restarts; fewer fsyncs
        self._db.executescript(SCHEMA)
        self._depth = 0
        self._keys: dict[tuple[str, str], Keys] = {}

    @contextmanager
    def transaction(self) -> Iterator["Store"]:
        with self._lock:
            outer = self._depth == 0
            if outer:
                self._db.execute("BEGIN IMMEDIATE")
            self._depth += 1
            try:
                yield self
            except BaseException:
                self._depth -= 1
                if outer:
                    self._db.execute("ROLLBACK")
                raise
            self._depth -= 1
            if outer:
                self._db.execute("COMMIT")

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # objects -----------------------------------------------------------------
    def put(self, vendor: str, region: str, kind: str, id_: str, data: dict[str, Any],
            account: str | None = None) -> None:
        account = account or _ACCOUNT.get()
        with self.transaction():
            row = self._db.execute(
                "SELECT seq FROM objects WHERE vendor=? AND account=? AND region=? AND kind=? AND id=?",
                (vendor, account, region, kind, id_),
            ).fetchone()
            seq = row[0] if row else self.counter("objects.seq")
            self._db.execute(
                "INSERT OR REPLACE INTO objects VALUES (?,?,?,?,?,?,?)",
                (vendor, account, region, kind, id_, json.dumps(data, sort_keys=True), seq),
            )
            keys = self._keys.get((vendor, kind))
            if keys is not None:
                self._write_keys(vendor, account, region, kind, id_, _pairs(keys, data), replace=True)

    def get(self, vendor: str, region: str, kind: str, id_: str, account: str | None = None) -> dict[str, Any] | None:
        account = account or _ACCOUNT.get()
        with self._lock:
            row = self._db.execute(
                "SELECT data FROM objects WHERE vendor=? AND account=? AND region=? AND kind=? AND id=?",
                (vendor, account, region, kind, id_),
            ).fetchone()
        return json.loads(row[0]) if row else None

    def find(self, vendor: str, kind: str, id_: str, account: str | None = None) -> tuple[str, dict[str, Any]] | None:
        """Look an object up by id in any region (cross-region copies read their source)."""
        account = account or _ACCOUNT.get()
        with self._lock:
            row = self._db.execute(
                "SELECT region, data FROM objects WHERE vendor=? AND account=? AND kind=? AND id=?",
                (vendor, account, kind, id_),
            ).fetchone()
        return (row[0], json.loads(row[1])) if row else None

    def list(self, vendor: str, region: str | None, kind: str, account: str | None = None,
             prefix: str = "") -> list[dict[str, Any]]:
        """Every object of a kind (in one region, or in all), in the order first stored; `prefix`: only the
        ids that start with it (a range on the id index, not a scan)."""
        account = account or _ACCOUNT.get()
        query = "SELECT data FROM objects WHERE vendor=? AND account=? AND kind=?"
        args: list[Any] = [vendor, account, kind]
        if region is not None:
            query += " AND region=?"
            args.append(region)
        if prefix:
            query += " AND id >= ? AND id < ?"
            args += [prefix, prefix + "\U0010ffff"]
        with self._lock:
            rows = self._db.execute(query + " ORDER BY seq", args).fetchall()
        return [json.loads(r[0]) for r in rows]

    def get_many(self, vendor: str, region: str, kind: str, ids: Iterable[str],
                 account: str | None = None) -> builtins.list[dict[str, Any]]:
        """The objects with these ids (unknown ids left out), in the order `list` gives them."""
        account = account or _ACCOUNT.get()
        wanted = sorted(set(ids))
        rows: builtins.list[tuple[int, str]] = []
        with self._lock:
            for start in range(0, len(wanted), _BATCH):
                chunk = wanted[start:start + _BATCH]
                rows += self._db.execute(
                    f"SELECT seq, data FROM objects WHERE vendor=? AND account=? AND region=? AND kind=? AND id IN "
                    f"({','.join('?' * len(chunk))})", (vendor, account, region, kind, *chunk)).fetchall()
        return [json.loads(data) for _, data in sorted(rows)]

    def delete(self, vendor: str, region: str, kind: str, id_: str, account: str | None = None) -> bool:
        account = account or _ACCOUNT.get()
        with self.transaction():
            cur = self._db.execute(
                "DELETE FROM objects WHERE vendor=? AND account=? AND region=? AND kind=? AND id=?",
                (vendor, account, region, kind, id_),
            )
            self._db.execute("DELETE FROM object_keys WHERE vendor=? AND account=? AND region=? AND kind=? AND id=?",
                             (vendor, account, region, kind, id_))
        return cur.rowcount > 0

    # indexes: lookups by a value a model declares, kept in the same transaction as the object ----------
    def index(self, vendor: str, kind: str, keys: Keys, version: str) -> None:
        """Keep `keys(record)` for every object of this kind, from now on and (rebuilt once per `version`)
        for what the file already holds: a state file written before the index existed gets it here."""
        with self.transaction():
            self._keys[(vendor, kind)] = keys
            marker = f"index.{vendor}.{kind}"
            if self.meta_get(marker) == version:
                return
            self._db.execute("DELETE FROM object_keys WHERE vendor=? AND kind=?", (vendor, kind))
            rows = self._db.execute("SELECT account, region, id, data FROM objects WHERE vendor=? AND kind=?",
                                    (vendor, kind)).fetchall()
            for account, region, id_, data in rows:
                self._write_keys(vendor, account, region, kind, id_, _pairs(keys, json.loads(data)), replace=False)
            self.meta_set(marker, version)

    def _write_keys(self, vendor: str, account: str, region: str, kind: str, id_: str,
                    pairs: Iterable[tuple[str, str]], replace: bool) -> None:
        if replace:
            self._db.execute("DELETE FROM object_keys WHERE vendor=? AND account=? AND region=? AND kind=? AND id=?",
                             (vendor, account, region, kind, id_))
        self._db.executemany("INSERT INTO object_keys VALUES (?,?,?,?,?,?,?)",
                             [(vendor, account, region, kind, id_, name, value) for name, value in pairs])

    def _indexed(self, vendor: str, kind: str) -> None:
        if (vendor, kind) not in self._keys:
            raise LookupError(f"no index declared for {vendor} {kind} objects")

    def lookup(self, vendor: str, region: str | None, kind: str, name: str, values: Iterable[str],
               account: str | None = None) -> builtins.list[dict[str, Any]]:
        """The objects whose `name` key is one of `values` (or ANY), in the order `list` gives them."""
        account = account or _ACCOUNT.get()
        self._indexed(vendor, kind)
        wanted = sorted({*values, ANY})
        query = ("SELECT DISTINCT o.seq, o.data FROM object_keys k JOIN objects o ON o.vendor=k.vendor AND "
                 "o.account=k.account AND o.region=k.region AND o.kind=k.kind AND o.id=k.id "
                 "WHERE k.vendor=? AND k.account=? AND k.kind=? AND k.name IN (?, ?)")
        args: list[Any] = [vendor, account, kind, name, _EVERY]
        if region is not None:
            query += " AND k.region=?"
            args.append(region)
        rows: set[tuple[int, str]] = set()
        with self._lock:
            for start in range(0, len(wanted), _BATCH):
                chunk = wanted[start:start + _BATCH]
                rows.update(self._db.execute(query + f" AND k.value IN ({','.join('?' * len(chunk))})",
                                             (*args, *chunk)).fetchall())
        return [json.loads(data) for _, data in sorted(rows)]

    def search(self, vendor: str, region: str | None, kind: str, texts: Iterable[str],
               account: str | None = None) -> builtins.list[dict[str, Any]] | None:
        """The objects whose stored text contains one of `texts` in any case, plus every object whose text
        escapes a non-ASCII character (a text search cannot read those): more than a case-insensitive
        substring match on any field, for the caller to filter exactly. None (scan instead) for a text
        JSON would escape itself."""
        account = account or _ACCOUNT.get()
        wanted = [t.lower() for t in texts]
        if not wanted or not all(_PLAIN.fullmatch(t) for t in wanted):
            return None
        query = "SELECT data FROM objects WHERE vendor=? AND account=? AND kind=?"
        args: list[Any] = [vendor, account, kind]
        if region is not None:
            query += " AND region=?"
            args.append(region)
        query += " AND (instr(data, '\\u') > 0" + " OR instr(lower(data), ?) > 0" * len(wanted) + ") ORDER BY seq"
        with self._lock:
            rows = self._db.execute(query, (*args, *wanted)).fetchall()
        return [json.loads(r[0]) for r in rows]

    def count(self, vendor: str, region: str, kind: str, name: str, value: str, account: str | None = None) -> int:
        """How many objects carry the key (name, value): a quota counted without reading the objects."""
        account = account or _ACCOUNT.get()
        self._indexed(vendor, kind)
        with self._lock:
            row = self._db.execute(
                "SELECT count(DISTINCT o.id) FROM object_keys k JOIN objects o ON o.vendor=k.vendor AND "
                "o.account=k.account AND o.region=k.region AND o.kind=k.kind AND o.id=k.id WHERE k.vendor=? AND "
                "k.account=? AND k.region=? AND k.kind=? AND k.name=? AND k.value=?",
                (vendor, account, region, kind, name, value)).fetchone()
        return int(row[0])

    # meta and counters ---------------------------------------------------------
    def meta_get(self, key: str, default: str | None = None) -> str | None:
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else default

    def meta_set(self, key: str, value: str) -> None:
        with self.transaction():
            self._db.execute("INSERT OR REPLACE INTO meta VALUES (?,?)", (key, value))

    def counter(self, name: str) -> int:
        with self.transaction():
            value = int(self.meta_get("counter." + name, "0") or 0) + 1
            self._db.execute("INSERT OR REPLACE INTO meta VALUES (?,?)", ("counter." + name, str(value)))
        return value

    # raw access for the request log and faults -------------------------------------
    def execute(self, sql: str, args: tuple[Any, ...] = ()) -> builtins.list[tuple[Any, ...]]:
        with self.transaction():
            return self._db.execute(sql, args).fetchall()


def _pairs(keys: Keys, data: dict[str, Any]) -> set[tuple[str, str]]:
    """The record's keys; a record its model cannot read (written by hand, or damaged) is returned by every
    lookup, for the reader to refuse or skip as it would in a full scan."""
    try:
        return set(keys(data))
    except Exception:  # noqa: BLE001 - any failure to read it means the same: it cannot be indexed
        return {(_EVERY, ANY)}
