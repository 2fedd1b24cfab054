"""The declared inputs of ImageFamily: one image family whose versions are captured, published and retired."""
from __future__ import annotations

from ..core.schema import Field, ListOf, Options, ResourceSchema, TagMap, Text, Whole
from ..core.service import CAPTURE
from .schemas import PROTECTION, REGION_ENTRY, SOURCE, R, U, K, _addressing

DEFAULT_KEEP = 3

IMAGE_FAMILY = ResourceSchema("ImageFamily", CAPTURE, (
    *_addressing(),
    Field("family", Text(), R, "the image family: every version's images are in it (the cloud's own family where "
          "it has one, a tag elsewhere)", required=True, example="'golden-web'"),
    Field("version", Text(), U, "the version to publish: a new one (newer than every live one) captures and "
          "publishes a new image; a live one (a rollback) adopts its images and captures nothing", required=True,
          example="'2026-12'"),
    Field("source", SOURCE, U, "what a new version is captured from (read only when a new version is made)",
          required=True, example="{'instance': 'i-...'}"),
    Field("regions", ListOf(REGION_ENTRY), U, "the regions a new version is published to besides `region`"),
    Field("description", Text(min_len=0), U, "a new version's description"),
    Field("tags", TagMap(), U, "a new version's tags"),
    Field("capture", Options(), U, "more CustomImage inputs for each capture (scope, sysprep, options...)"),
    Field("publish", Options(), U, "more ImageRegionSet inputs for each version's copies (encrypted, options...)"),
    Field("keep", Whole(1, 1000), U, f"how many versions stay per region, newest first (default {DEFAULT_KEEP}); "
          "the version in use always stays"),
    Field("max_age", Text(), U, "versions younger than this stay as well as the newest `keep` ('90d', '12h'...); "
          "a version is retired only when it is outside the newest `keep` and older than `max_age`, its age "
          "counted from the cloud's creation time of its image (unset: `keep` alone)"),
    Field("grace", Text(), U, "how long a retired version stays deprecated before it is deleted ('0' deletes it "
          "in the same `up`; '7d', '12h'...)"),
    Field("released", ListOf(Text()), K, "the live versions, kept by `check` to order the next one", internal=True),
    PROTECTION,
), {"latest": "region -> the image id of the version in use", "versions": "region -> live versions, oldest first",
    "family_latest": "region -> the image the cloud's own family resolves to (services with families)",
    "releases": "version -> {image_id, images, retired_at, deprecated}",
    "retiring": "what the next `up` retires: version, region, image id, action and when",
    "next_retires": "the versions a new version would retire under `keep` and `max_age`, as of now",
    "warnings": "facts the user should know, such as a retired version the cloud refused to delete"})
