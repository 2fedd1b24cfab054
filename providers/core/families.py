"""Image families and versions: the version order, the retention plan and what a cloud's family feature offers."""
from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from .validation import Failure

FAMILY_TAG = "image-family"  # on every version's images where the service takes tags
VERSION_TAG = "image-version"
VERSION_FORM = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")
ORDER_RULE = ("versions are ordered part by part: runs of digits as numbers, other text alphabetically "
              "('2026-12' > '2026-11', '1.10' > '1.9', '2027-01' > '2026-12')")


def version_key(version: str) -> tuple[tuple[int, int, str], ...]:
    """Natural order: digits compare as numbers, text as text; a number sorts before text at the same place."""
    return tuple((0, int(part), "") if part.isdigit() else (1, 0, part)
                 for part in re.split(r"(\d+)", version) if part != "")


def ordered(versions: Iterable[str]) -> list[str]:
    """Oldest first."""
    return sorted(set(versions), key=version_key)


def version_failure(field: str, version: object, released: Sequence[str]) -> Failure | None:
    """A version must be in the declared form and either newer than every live one or one of them (a rollback)."""
    if not isinstance(version, str) or not VERSION_FORM.match(version):
        return Failure(field, f"{version!r} is not a version: 1 to 64 characters, letters, digits, '.', '_' and '-', "
                              "starting with a letter or digit. Fix: give a version such as '2026-12' or '1.4.0'.")
    live = ordered(released)
    if not live or version in live or version_key(version) > version_key(live[-1]):
        return None
    return Failure(field, f"{version!r} is neither newer than the latest version {live[-1]!r} nor a live version "
                          f"({', '.join(live)}); {ORDER_RULE}. Fix: give a version newer than {live[-1]!r} for a new "
                          "release, or one of the live versions to roll back to it.")


@dataclass(frozen=True)
class Retention:
    """Which versions stay: the newest `keep`, and always the one in use."""

    keep: int

    def kept(self, versions: Iterable[str], current: str) -> list[str]:
        newest = ordered(versions)[-self.keep:]
        return ordered([*newest, current])

    def retired(self, versions: Iterable[str], current: str) -> list[str]:
        kept = set(self.kept(versions, current))
        return [v for v in ordered(versions) if v not in kept]


@runtime_checkable
class FamilyKeeper(Protocol):
    """A service with its own image families and deprecation; the others carry family and version as tags."""

    def join_family(self, region: str, image_id: str, family: str) -> None:
        """Put the image in the family, as the cloud's own family feature records it."""
        ...

    def set_deprecated(self, region: str, image_id: str, deprecated: bool) -> bool:
        """Deprecate the image (still usable by id, no longer the family's latest), or make it available again;
        False where this kind of image has no deprecation."""
        ...

    def family_latest(self, region: str, family: str, member: str) -> str:
        """The image the cloud resolves the family to now ('' when none is available); `member` is one of its
        images in that region (where the family is found through its images)."""
        ...
