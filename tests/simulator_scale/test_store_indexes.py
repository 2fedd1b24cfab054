"""The store's indexes stay in step with its objects, and a request reads the simulated clock once."""
from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from imageforge.simulator.core.clock import SimClock
from imageforge.simulator.core.context import SimContext
from imageforge.simulator.core.store import ANY, Store


def keys(record: dict[str, Any]) -> list[tuple[str, str]]:
    return [("name", record["name"])] + [("tag", t) for t in record.get("tags", [])]


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store(tmp_path / "state.db")
    yield opened
    opened.close()


def names(records: list[dict[str, Any]]) -> list[str]:
    return [r["id"] for r in records]


def put(store: Store, id_: str, name: str, *tags: str, region: str = "r1", account: str = "default") -> None:
    store.put("v", region, "image", id_, {"id": id_, "name": name, "tags": list(tags)}, account=account)


def test_lookups_answer_what_a_scan_would_in_the_scan_order(store: Store) -> None:
    store.index("v", "image", keys, "1")
    for n in range(30):
        put(store, f"i{n:02d}", f"name-{n % 4}", f"team-{n % 3}", f"env-{n % 2}")
        put(store, f"o{n:02d}", f"name-{n % 4}", f"team-{n % 3}", region="r2")
        put(store, f"x{n:02d}", f"name-{n % 4}", f"team-{n % 3}", account="other")
    scan = store.list("v", "r1", "image")
    for value in ("name-0", "name-3", "nobody"):
        assert store.lookup("v", "r1", "image", "name", [value]) == [r for r in scan if r["name"] == value]
    wanted = {"team-1", "env-0"}
    assert store.lookup("v", "r1", "image", "tag", wanted) == [r for r in scan if wanted & set(r["tags"])]
    every_region = store.list("v", None, "image")
    assert store.lookup("v", None, "image", "name", ["name-2"]) == [r for r in every_region if r["name"] == "name-2"]
    ids = ["i07", "i03", "o03", "nope", "i03"]
    assert names(store.get_many("v", "r1", "image", ids)) == ["i03", "i07"]
    assert store.count("v", "r1", "image", "name", "name-1") == sum(1 for r in scan if r["name"] == "name-1")


def test_a_put_replaces_the_keys_and_a_delete_removes_them(store: Store) -> None:
    store.index("v", "image", keys, "1")
    put(store, "a", "old", "t1")
    put(store, "a", "new", "t2")
    assert store.lookup("v", "r1", "image", "name", ["old"]) == []
    assert names(store.lookup("v", "r1", "image", "name", ["new"])) == ["a"]
    assert store.lookup("v", "r1", "image", "tag", ["t1"]) == [] and store.count("v", "r1", "image", "tag", "t2") == 1
    store.delete("v", "r1", "image", "a")
    assert store.lookup("v", "r1", "image", "name", ["new"]) == [] and store.count("v", "r1", "image", "tag", "t2") == 0
    assert store.execute("SELECT count(*) FROM object_keys")[0][0] == 0


def test_an_index_declared_on_an_older_file_is_built_from_what_it_holds(tmp_path: Path) -> None:
    """A state file written before the index existed: its objects are found by the new lookups."""
    path = tmp_path / "state.db"
    older = Store(path)
    for n in range(5):
        put(older, f"i{n}", f"name-{n % 2}")
    older.close()
    db = sqlite3.connect(path)  # as an earlier release left it: no key table at all
    db.execute("DROP TABLE object_keys")
    db.commit()
    db.close()
    reopened = Store(path)
    reopened.index("v", "image", keys, "1")
    assert names(reopened.lookup("v", "r1", "image", "name", ["name-0"])) == ["i0", "i2", "i4"]
    rows = reopened.execute("SELECT count(*) FROM object_keys")[0][0]
    reopened.index("v", "image", keys, "1")  # the same version again: nothing rebuilt, nothing doubled
    assert reopened.execute("SELECT count(*) FROM object_keys")[0][0] == rows
    reopened.index("v", "image", lambda r: [("name", r["name"].upper())], "2")  # a new version: rebuilt
    assert names(reopened.lookup("v", "r1", "image", "name", ["NAME-1"])) == ["i1", "i3"]
    reopened.close()


def test_a_record_its_index_cannot_describe_matches_every_lookup(store: Store) -> None:
    store.index("v", "image", lambda r: [("tag", ANY)] if r["name"] == "odd" else keys(r), "1")
    put(store, "a", "plain", "t1")
    put(store, "b", "odd")
    assert names(store.lookup("v", "r1", "image", "tag", ["t1"])) == ["a", "b"]
    assert names(store.lookup("v", "r1", "image", "tag", ["t9"])) == ["b"]


def test_a_text_search_finds_at_least_every_case_insensitive_match(store: Store) -> None:
    for id_, name in (("a", "Golden-Web"), ("b", "golden-data"), ("c", "\u212aelvin-web"), ("d", "other"),
                      ("e", 'quo"te-web')):
        put(store, id_, name)
    scan = store.list("v", "r1", "image")
    for text in ("WEB", "golden", "kelvin", "zzz"):
        found = store.search("v", "r1", "image", [text])
        assert found is not None
        matching = [r for r in scan if text.lower() in r["name"].lower()]
        assert all(r in found for r in matching) and found == [r for r in scan if r in found]
    assert names(store.search("v", "r1", "image", ["golden"]) or []) == ["a", "b", "c"]  # c: escaped, kept
    for unreadable in ('quo"te', "back\\slash", "tab\t", "\u540d", ""):
        assert store.search("v", "r1", "image", [unreadable]) is None


def test_a_record_its_model_cannot_read_is_left_to_the_reader(store: Store) -> None:
    store.index("v", "image", keys, "1")
    store.put("v", "r1", "image", "broken", {"id": "broken"})  # no name: keys() fails on it
    put(store, "a", "plain")
    assert names(store.lookup("v", "r1", "image", "name", ["plain"])) == ["broken", "a"]
    assert store.count("v", "r1", "image", "name", "plain") == 1


def test_a_lookup_on_an_undeclared_index_is_refused(store: Store) -> None:
    with pytest.raises(LookupError):
        store.lookup("v", "r1", "image", "name", ["x"])


def test_a_prefix_lists_only_the_ids_under_it_in_the_scan_order(store: Store) -> None:
    for id_ in ("/s/rg-b/x", "/s/rg-a/y", "/s/rg-ab/z", "/s/rg-a/w"):
        store.put("v", "r1", "thing", id_, {"id": id_})
    assert names(store.list("v", None, "thing", prefix="/s/rg-a/")) == ["/s/rg-a/y", "/s/rg-a/w"]


def test_a_request_reads_the_clock_once_and_sees_one_instant(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = SimClock(store, speed=0.0)
    ctx = SimContext(store, clock)
    reads = []
    real = clock.now
    monkeypatch.setattr(clock, "now", lambda: reads.append(1) or real())
    with ctx.request():
        first = ctx.now()
        assert len(reads) == 1
        clock.advance(60)  # another thread moving the clock does not split the request in two instants
        seen = len(reads)
        assert [ctx.now() for _ in range(5)] == [first] * 5
        with ctx.request():  # nested: still the same request
            assert ctx.now() == first
        assert len(reads) == seen
    assert ctx.now() == first + 60 and len(reads) == seen + 1  # outside a request every read is fresh
