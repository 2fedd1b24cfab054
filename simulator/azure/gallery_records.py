"""Azure Compute Gallery records: galleries, image definitions, image versions and their per-region replicas.

Each is a dataclass stored by its ARM id; how far a replica has replicated (or failed) is read from
its Lifecycle, and a version's documents are built from the records when asked.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..core.lifecycle import Lifecycle, Phase
from .records import finished, lifecycle, stored, until
from .regions import display_name
from .vm import DELETE_SECONDS

CAPTURE_SECONDS = 600.0  # a version's own region takes as long as a managed image capture
SHORT_OP_SECONDS = 5.0
FAIL_AT = 0.5  # a failing replication stops half way
REPLICA_STATE = {Phase.RUNNING: "Replicating", Phase.DONE: "Completed", Phase.FAILED: "Failed"}


def _deleting(r: Mapping[str, Any]) -> Lifecycle | None:
    """`deleting` as stored, or 0.1.0's `_deleted_at`."""
    if "_deleted_at" in r:
        return None if r["_deleted_at"] is None else until(float(r["_deleted_at"]), DELETE_SECONDS)
    return lifecycle(r.get("deleting"))


def simple_state(ready: Lifecycle, deleting: Lifecycle | None, now: float) -> str:
    if deleting is not None:
        return "Deleting"
    return "Succeeded" if finished(ready, now) else "Creating"


@dataclass
class Gallery:
    id: str
    name: str
    location: str
    description: str | None
    unique_name: str
    ready: Lifecycle
    tags: dict[str, str] = field(default_factory=dict)
    deleting: Lifecycle | None = None

    def to_record(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "location": self.location, "description": self.description,
                "unique_name": self.unique_name, "ready": self.ready.record(), "tags": self.tags,
                "deleting": stored(self.deleting)}

    @classmethod
    def from_record(cls, r: Mapping[str, Any]) -> "Gallery":
        """This version's records, and the ARM documents with `_ready_at` that 0.1.0 stored."""
        if "properties" in r:
            props = r["properties"]
            return cls(r["id"], r["name"], r["location"], props.get("description", ""),
                       props["identifier"]["uniqueName"], until(float(r["_ready_at"]), SHORT_OP_SECONDS),
                       dict(r.get("tags") or {}), _deleting(r))
        return cls(r["id"], r["name"], r["location"], r.get("description"), r["unique_name"],
                   Lifecycle.of({"lifecycle": r["ready"]}), dict(r.get("tags") or {}), _deleting(r))

    def document(self, now: float) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "type": "Microsoft.Compute/galleries", "location": self.location,
                "tags": dict(self.tags), "properties": {
                    "description": self.description, "identifier": {"uniqueName": self.unique_name},
                    "provisioningState": simple_state(self.ready, self.deleting, now)}}


@dataclass
class GalleryImage:
    """An image definition; `other` holds the other properties a request set (shown as they were sent)."""

    id: str
    name: str
    location: str
    os_type: str
    os_state: str
    identifier: dict[str, Any]
    hyperv: str
    architecture: str
    ready: Lifecycle
    other: dict[str, Any] = field(default_factory=dict)
    tags: dict[str, str] = field(default_factory=dict)
    deleting: Lifecycle | None = None

    def to_record(self) -> dict[str, Any]:
        return {"id": self.id, "name": self.name, "location": self.location, "os_type": self.os_type,
                "os_state": self.os_state, "identifier": self.identifier, "hyperv": self.hyperv,
                "architecture": self.architecture, "ready": self.ready.record(), "other": self.other,
                "tags": self.tags, "deleting": stored(self.deleting)}

    @classmethod
    def from_record(cls, r: Mapping[str, Any]) -> "GalleryImage":
        if "properties" in r:
            props = dict(r["properties"])
            props.pop("provisioningState", None)
            os_type, os_state = props.pop("osType", ""), props.pop("osState", "")
            identifier = props.pop("identifier", {})
            hyperv, architecture = props.pop("hyperVGeneration", "V1"), props.pop("architecture", "x64")
            return cls(r["id"], r["name"], r["location"], os_type, os_state, identifier, hyperv, architecture,
                       until(float(r["_ready_at"]), SHORT_OP_SECONDS), props, dict(r.get("tags") or {}), _deleting(r))
        return cls(r["id"], r["name"], r["location"], r["os_type"], r["os_state"], dict(r["identifier"]), r["hyperv"],
                   r["architecture"], Lifecycle.of({"lifecycle": r["ready"]}), dict(r.get("other") or {}),
                   dict(r.get("tags") or {}), _deleting(r))

    def document(self, now: float) -> dict[str, Any]:
        props = {**self.other, "osType": self.os_type, "osState": self.os_state, "identifier": self.identifier,
                 "hyperVGeneration": self.hyperv, "architecture": self.architecture,
                 "provisioningState": simple_state(self.ready, self.deleting, now)}
        return {"id": self.id, "name": self.name, "type": "Microsoft.Compute/galleries/images",
                "location": self.location, "tags": dict(self.tags), "properties": props}


@dataclass(frozen=True)
class Replica:
    """A version's copy in one target region; a failing one (it carries an error) fails half way."""

    replicas: int
    storage: str
    lifecycle: Lifecycle
    error: dict[str, str] | None = None

    def to_record(self) -> dict[str, Any]:
        return {"replicas": self.replicas, "storage": self.storage, "lifecycle": self.lifecycle.record(),
                "error": self.error}

    @classmethod
    def from_record(cls, r: Mapping[str, Any]) -> "Replica":
        """This version's records, and 0.1.0's flat start / duration / error."""
        if "lifecycle" in r:
            return cls(int(r["replicas"]), str(r["storage"]), Lifecycle.of(r), r.get("error"))
        error = r.get("error")
        return cls(int(r["replicas"]), str(r["storage"]),
                   Lifecycle(float(r["start"]), float(r["duration"]), FAIL_AT if error else None), error)

    def view(self, now: float) -> tuple[str, int, str]:
        """State, percent and details of this region now."""
        reading = self.lifecycle.at(now)
        details = self.error["message"] if reading.phase is Phase.FAILED and self.error else ""
        return REPLICA_STATE[reading.phase], reading.progress, details


@dataclass
class GalleryVersion:
    """An image version: what it was made from, how it is published, and one replica per target region."""

    id: str
    name: str
    location: str
    source_vm: str
    os_size: int
    published: str
    regions: dict[str, Replica]
    created: Lifecycle  # until every region of the first PUT has replicated: Creating, then Updating
    replica_count: int = 1
    exclude_from_latest: bool = False
    storage: str = "Standard_LRS"
    mode: str = "Full"
    allow_deletion: bool = False  # safetyProfile.allowDeletionOfReplicatedLocations
    block_deletion: bool | None = None  # safetyProfile.blockDeletionBeforeEndOfLife, when a request set it
    host_caching: str = "ReadWrite"
    tags: dict[str, str] = field(default_factory=dict)
    deleting: Lifecycle | None = None
    end_of_life: str = ""  # publishingProfile.endOfLifeDate, when a request set it

    def to_record(self) -> dict[str, Any]:
        return {"end_of_life": self.end_of_life, "id": self.id, "name": self.name, "location": self.location,
                "source_vm": self.source_vm,
                "os_size": self.os_size, "published": self.published,
                "regions": {r: e.to_record() for r, e in self.regions.items()}, "created": self.created.record(),
                "replica_count": self.replica_count, "exclude_from_latest": self.exclude_from_latest,
                "storage": self.storage, "mode": self.mode, "allow_deletion": self.allow_deletion,
                "block_deletion": self.block_deletion, "host_caching": self.host_caching, "tags": self.tags,
                "deleting": stored(self.deleting)}

    @classmethod
    def from_record(cls, r: Mapping[str, Any]) -> "GalleryVersion":
        if "properties" in r:
            return cls._legacy(r)
        return cls(r["id"], r["name"], r["location"], r["source_vm"], int(r["os_size"]), r["published"],
                   {k: Replica.from_record(v) for k, v in r["regions"].items()},
                   Lifecycle.of({"lifecycle": r["created"]}), int(r["replica_count"]), bool(r["exclude_from_latest"]),
                   r["storage"], r["mode"], bool(r["allow_deletion"]), r.get("block_deletion"),
                   r.get("host_caching", "ReadWrite"), dict(r.get("tags") or {}), _deleting(r),
                   str(r.get("end_of_life") or ""))

    @classmethod
    def _legacy(cls, r: Mapping[str, Any]) -> "GalleryVersion":
        """The ARM document with `_regions` and `_created_done_at` that 0.1.0 stored."""
        props = r["properties"]
        pub, storage, safety = props["publishingProfile"], props["storageProfile"], props.get("safetyProfile") or {}
        return cls(r["id"], r["name"], r["location"], storage["source"]["virtualMachineId"],
                   int(storage["osDiskImage"]["sizeInGB"]), pub.get("publishedDate", ""),
                   {k: Replica.from_record(v) for k, v in r["_regions"].items()},
                   until(float(r["_created_done_at"]), CAPTURE_SECONDS), int(pub.get("replicaCount") or 1),
                   bool(pub.get("excludeFromLatest")), pub.get("storageAccountType", "Standard_LRS"),
                   pub.get("replicationMode", "Full"), bool(safety.get("allowDeletionOfReplicatedLocations")),
                   safety.get("blockDeletionBeforeEndOfLife"), storage["osDiskImage"].get("hostCaching", "ReadWrite"),
                   dict(r.get("tags") or {}), _deleting(r))

    def provisioning(self, now: float) -> str:
        states = [e.view(now)[0] for e in self.regions.values()]
        if self.deleting is not None:
            return "Deleting"
        if "Failed" in states:
            return "Failed"
        if "Replicating" in states:
            return "Creating" if self.created.at(now).phase is Phase.RUNNING else "Updating"
        return "Succeeded"

    def document(self, now: float, replication_status: bool = False) -> dict[str, Any]:
        safety: dict[str, Any] = {"allowDeletionOfReplicatedLocations": self.allow_deletion,
                                  "reportedForPolicyViolation": False}
        if self.block_deletion is not None:
            safety["blockDeletionBeforeEndOfLife"] = self.block_deletion
        props: dict[str, Any] = {
            "publishingProfile": {
                "replicaCount": self.replica_count, "excludeFromLatest": self.exclude_from_latest,
                "storageAccountType": self.storage, "replicationMode": self.mode, "publishedDate": self.published,
                "targetRegions": [{"name": display_name(r), "regionalReplicaCount": e.replicas,
                                   "storageAccountType": e.storage} for r, e in self.regions.items()],
                **({"endOfLifeDate": self.end_of_life} if self.end_of_life else {})},
            "storageProfile": {"source": {"virtualMachineId": self.source_vm},
                               "osDiskImage": {"sizeInGB": self.os_size, "hostCaching": self.host_caching}},
            "safetyProfile": safety, "provisioningState": self.provisioning(now)}
        if replication_status:
            summary, states = [], []
            for region, entry in self.regions.items():
                state, progress, details = entry.view(now)
                states.append(state)
                summary.append({"region": display_name(region), "state": state, "details": details, "progress": progress})
            agg = "Failed" if "Failed" in states else ("InProgress" if "Replicating" in states else "Completed")
            props["replicationStatus"] = {"aggregatedState": agg, "summary": summary}
        return {"id": self.id, "name": self.name, "type": "Microsoft.Compute/galleries/images/versions",
                "location": self.location, "tags": dict(self.tags), "properties": props}
