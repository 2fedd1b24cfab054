"""Deterministic ids in each vendor's format, seeded by a per-store counter."""
from __future__ import annotations

import hashlib
import uuid

from .store import Store

LOWER_ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789"


def token(store: Store, scope: str, length: int, alphabet: str = LOWER_ALNUM) -> str:
    """`length` characters drawn from `alphabet`, unique per (store, scope) and repeatable."""
    seed = store.meta_get("ids.seed") or "imageforge"
    n = store.counter("ids." + scope)
    digest = hashlib.sha256(f"{seed}/{scope}/{n}".encode()).digest()
    while len(digest) < length:
        digest += hashlib.sha256(digest).digest()
    return "".join(alphabet[b % len(alphabet)] for b in digest[:length])


def prefixed(store: Store, scope: str, prefix: str, length: int, alphabet: str = LOWER_ALNUM) -> str:
    return prefix + token(store, scope, length, alphabet)


def uuid_like(store: Store, scope: str) -> str:
    """A UUID (Huawei image and job ids, Azure request ids), deterministic per store."""
    return str(uuid.UUID(hex=token(store, scope, 32, "0123456789abcdef")))


def request_id(store: Store) -> str:
    return uuid_like(store, "request").upper()
