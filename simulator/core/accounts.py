"""Who signed a request: each vendor's documented test accounts and the temporary keys role assumption issues.

A vendor declares its accounts (the first one is "default": everything a single-account run makes lives
there). The signature checks ask a KeyRing for a key's secret; the wire then runs the request inside the
key's account (`store.as_account`), so two accounts never see each other's images. Temporary keys are kept
in the store, so another process serving the same home accepts them, and expire by the host's clock,
which is the clock the SDKs that refresh them read (the simulated clock jumps while waiters sleep).
"""
from __future__ import annotations

import secrets
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass

from .store import DEFAULT_ACCOUNT, Store

KEYS_ACCOUNT = "_keys"  # where temporary keys are stored: no account's request reads there
KEY_KIND = "temporary-key"


@dataclass(frozen=True)
class TestAccount:
    """One simulated account: the number the vendor's ARNs name, and its documented long-term key."""

    uid: str
    key_id: str
    secret: str


@dataclass(frozen=True)
class SigningKey:
    """A key the simulator accepts: long-term (no token) or temporary (token and expiry)."""

    key_id: str
    secret: str
    account: str  # the store's name for the account
    token: str = ""
    expires: float = 0.0
    role: str = ""  # the role assumed, for caller-identity answers

    @property
    def temporary(self) -> bool:
        return bool(self.token)


class KeyRing(Mapping[str, str]):
    """key id -> secret for the signature checks, and the account each key belongs to."""

    def __init__(self, store: Store, vendor: str, accounts: Sequence[TestAccount]) -> None:
        self.store = store
        self.vendor = vendor
        self.accounts = tuple(accounts)
        self._fixed = {a.key_id: SigningKey(a.key_id, a.secret, self.account_name(a.uid)) for a in accounts}

    # accounts ------------------------------------------------------------------------
    def account_name(self, uid: str) -> str:
        """The store's name for an account: the first is "default", the others their number."""
        return DEFAULT_ACCOUNT if self.accounts and uid == self.accounts[0].uid else uid

    def uid_of(self, account: str) -> str:
        return uid_of(self.accounts, account)

    def knows_uid(self, uid: str) -> bool:
        return any(a.uid == uid for a in self.accounts)

    # keys --------------------------------------------------------------------------
    def key(self, key_id: str) -> SigningKey | None:
        fixed = self._fixed.get(key_id)
        if fixed is not None:
            return fixed
        data = self.store.get(self.vendor, "global", KEY_KIND, key_id, account=KEYS_ACCOUNT)
        return SigningKey(**data) if data else None

    def get_key(self, key_id: str) -> SigningKey:
        """A key the signature check already accepted."""
        key = self.key(key_id)
        if key is None:
            raise KeyError(key_id)
        return key

    def issue(self, account: str, seconds: float, prefix: str, role: str = "") -> SigningKey:
        """A temporary key into `account`, valid for `seconds` of host time."""
        key = SigningKey(prefix + secrets.token_hex(10).upper(), secrets.token_urlsafe(24), account,
                         token=secrets.token_urlsafe(48), expires=time.time() + seconds, role=role)
        self.store.put(self.vendor, "global", KEY_KIND, key.key_id, asdict(key), account=KEYS_ACCOUNT)
        return key

    def __getitem__(self, key_id: str) -> str:
        key = self.key(key_id)
        if key is None:
            raise KeyError(key_id)
        return key.secret

    def __iter__(self) -> Iterator[str]:
        return iter(self._fixed)

    def __len__(self) -> int:
        return len(self._fixed)


def uid_of(accounts: Sequence[TestAccount], account: str) -> str:
    """The number of the account a store name stands for ("default" is the first account)."""
    return accounts[0].uid if account == DEFAULT_ACCOUNT else account


def expired(key: SigningKey, now: float | None = None) -> bool:
    return key.temporary and (time.time() if now is None else now) >= key.expires
