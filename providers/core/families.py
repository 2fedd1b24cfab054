"""Image families and versions: the version order, the retention plan and what a cloud's family feature offers."""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, runtime_checkable

from .model import ImageInfo
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


def cloud_time(text: str) -> float | None:
    """Seconds since the epoch from a cloud's creation time (ISO 8601, 'Z' or an offset); None when unreadable."""
    try:
        return datetime.fromisoformat(str(text).strip().replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


@dataclass(frozen=True)
class Retention:
    """Which versions stay: the newest `keep`, those younger than `max_age` (seconds, 0: no age rule), and
    always the one in use. A version goes only when both rules let it go."""

    keep: int
    max_age: float = 0.0

    def kept(self, versions: Iterable[str], current: str, ages: Mapping[str, float] | None = None) -> list[str]:
        newest = ordered(versions)[-self.keep:]
        young = [v for v, age in dict(ages or {}).items() if self.max_age and age < self.max_age]
        return ordered([*newest, *[v for v in young if v in set(versions)], current])

    def retired(self, versions: Iterable[str], current: str, ages: Mapping[str, float] | None = None) -> list[str]:
        listed = ordered(versions)
        kept = set(self.kept(listed, current, ages))
        return [v for v in listed if v not in kept]


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


@runtime_checkable
class FamilyFinder(Protocol):
    """A service whose images can be listed by the family tag: how a re-run with no state finds every version an
    earlier run made (each image also carries its version tag and its own identity key)."""

    def family_members(self, region: str, family: str) -> list[ImageInfo]:
        """This account's images in the region tagged image-family=`family`, in every state."""
        ...
