"""SQLite-backed cloud state keyed by vendor/account/region, shared across processes."""
from __future__ import annotations

import builtins
import json
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS objects (
    vendor TEXT, account TEXT, region TEXT, kind TEXT, id TEXT, data TEXT,
    seq INTEGER, PRIMARY KEY (vendor, account, region, kind, id));
CREATE INDEX IF NOT EXISTS objects_by_id ON objects (vendor, kind, id);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT);
CREATE TABLE IF NOT EXISTS requests (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, at REAL, vendor TEXT, region TEXT, action TEXT,
    params TEXT, status INTEGER, error TEXT);
CREATE TABLE IF NOT EXISTS faults (
    id INTEGER PRIMARY KEY AUTOINCREMENT, vendor TEXT, action TEXT, region TEXT, kind TEXT,
    code TEXT, message TEXT, status INTEGER, remaining INTEGER, latency REAL, params TEXT);
"""


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
    def put(self, vendor: str, region: str, kind: str, id_: str, data: dict[str, Any], account: str = "default") -> None:
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

    def get(self, vendor: str, region: str, kind: str, id_: str, account: str = "default") -> dict[str, Any] | None:
        with self._lock:
            row = self._db.execute(
                "SELECT data FROM objects WHERE vendor=? AND account=? AND region=? AND kind=? AND id=?",
                (vendor, account, region, kind, id_),
            ).fetchone()
        return json.loads(row[0]) if row else None

    def find(self, vendor: str, kind: str, id_: str, account: str = "default") -> tuple[str, dict[str, Any]] | None:
        """Look an object up by id in any region (cross-region copies read their source)."""
        with self._lock:
            row = self._db.execute(
                "SELECT region, data FROM objects WHERE vendor=? AND account=? AND kind=? AND id=?",
                (vendor, account, kind, id_),
            ).fetchone()
        return (row[0], json.loads(row[1])) if row else None

    def list(self, vendor: str, region: str | None, kind: str, account: str = "default") -> list[dict[str, Any]]:
        query = "SELECT data FROM objects WHERE vendor=? AND account=? AND kind=?"
        args: list[Any] = [vendor, account, kind]
        if region is not None:
            query += " AND region=?"
            args.append(region)
        with self._lock:
            rows = self._db.execute(query + " ORDER BY seq", args).fetchall()
        return [json.loads(r[0]) for r in rows]

    def delete(self, vendor: str, region: str, kind: str, id_: str, account: str = "default") -> bool:
        with self.transaction():
            cur = self._db.execute(
                "DELETE FROM objects WHERE vendor=? AND account=? AND region=? AND kind=? AND id=?",
                (vendor, account, region, kind, id_),
            )
        return cur.rowcount > 0

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
