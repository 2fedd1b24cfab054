"""Azure Compute Gallery: galleries, image definitions and image versions with per-region replication."""
from __future__ import annotations

import re
from typing import Any

from ..core.wire import SimError
from . import arm
from .images import CAPTURE_SECONDS
from .lro import VENDOR
from .model import DELETE_SECONDS, GALLERY, GENERALIZED_VM, LOCATION, RESOURCE_GROUP, SUBSCRIPTION, Base, VmModel
from .regions import LOCATIONS, display_name, normalize, replication_seconds

GALLERY_NAME = re.compile(r"^[A-Za-z0-9_.]{1,80}$")
VERSION_NAME = re.compile(r"^(\d{1,10})\.(\d{1,10})\.(\d{1,10})$")
STORAGE_TYPES = ("Standard_LRS", "Standard_ZRS", "Premium_LRS", "PremiumV2_LRS")
REPLICA_CHANGE_SECONDS = 180.0
MAX_REPLICAS = 100
SHORT_OP_SECONDS = 5.0
SEEDED_VERSION = "0.1.0"


class GalleryModel(Base):
    def __init__(self, ctx: Any, ops: Any, vms: VmModel) -> None:
        super().__init__(ctx, ops)
        self.vms = vms

    def seed(self) -> None:
        now = self.ctx.now()
        gid = arm.resource_id(SUBSCRIPTION, RESOURCE_GROUP, f"galleries/{GALLERY}")
        self.save("gallery", {"id": gid, "name": GALLERY, "type": "Microsoft.Compute/galleries", "location": LOCATION,
                              "tags": {}, "properties": {"description": "Golden images built by imageforge",
                                                         "identifier": {"uniqueName": f"{SUBSCRIPTION}-{GALLERY.upper()}"},
                                                         "provisioningState": "Succeeded"}, "_ready_at": now}, SUBSCRIPTION)
        for name, os_type, state in (("linux-generalized", "Linux", "Generalized"), ("linux-specialized", "Linux", "Specialized"),
                                     ("windows-generalized", "Windows", "Generalized")):
            self.save("gallery_image", {
                "id": f"{gid}/images/{name}", "name": name, "type": "Microsoft.Compute/galleries/images",
                "location": LOCATION, "tags": {},
                "properties": {"osType": os_type, "osState": state, "hyperVGeneration": "V2", "architecture": "x64",
                               "identifier": {"publisher": "imageforge", "offer": f"golden-{os_type.lower()}", "sku": name},
                               "provisioningState": "Succeeded"}, "_ready_at": now}, SUBSCRIPTION)
        self._seed_version(gid, now)

    def _seed_version(self, gallery_id: str, now: float) -> None:
        """Version 0.1.0 of linux-generalized, replicated in its own region long ago (copies start from it)."""
        vm_id = arm.resource_id(SUBSCRIPTION, RESOURCE_GROUP, f"virtualMachines/{GENERALIZED_VM}")
        self.save("gallery_version", {
            "id": f"{gallery_id}/images/linux-generalized/versions/{SEEDED_VERSION}", "name": SEEDED_VERSION,
            "type": "Microsoft.Compute/galleries/images/versions", "location": LOCATION, "tags": {},
            "properties": {"publishingProfile": {"replicaCount": 1, "excludeFromLatest": False,
                                                 "storageAccountType": "Standard_LRS", "replicationMode": "Full",
                                                 "publishedDate": arm.iso(now - 86400)},
                           "storageProfile": {"source": {"virtualMachineId": vm_id},
                                              "osDiskImage": {"sizeInGB": 30, "hostCaching": "ReadWrite"}},
                           "safetyProfile": {"allowDeletionOfReplicatedLocations": True,
                                             "reportedForPolicyViolation": False}},
            "_regions": {LOCATION: {"replicas": 1, "storage": "Standard_LRS", "start": now - 86400,
                                    "duration": CAPTURE_SECONDS, "error": None}},
            "_created_done_at": now - 86400 + CAPTURE_SECONDS}, SUBSCRIPTION)

    # shared --------------------------------------------------------------------
    def _get(self, kind: str, path: arm.ArmPath, depth: int, rtype: str) -> dict[str, Any]:
        found = self.load(kind, path.resource_id(depth), path.subscription)
        if found is None or self._gone(found):
            raise arm.not_found(rtype, "/".join(path.names[:depth]), path.resource_group)
        return found

    def _gone(self, doc: dict[str, Any]) -> bool:
        at = doc.get("_deleted_at")
        return at is not None and self.ctx.now() >= at

    def _children(self, kind: str, parent: dict[str, Any], sub: str) -> list[dict[str, Any]]:
        prefix = parent["id"].lower() + "/"
        return [d for d in self.all(kind, sub) if d["id"].lower().startswith(prefix) and not self._gone(d)]

    def _simple_state(self, doc: dict[str, Any]) -> str:
        if doc.get("_deleted_at") is not None:
            return "Deleting"
        return "Creating" if self.ctx.now() < doc["_ready_at"] else "Succeeded"

    def listing(self, kind: str, sub: str, prefix: str) -> list[dict[str, Any]]:
        docs = [d for d in self.all(kind, sub) if d["id"].lower().startswith(prefix.lower()) and not self._gone(d)]
        return [self.version_document(d) if kind == "gallery_version" else self.simple_document(d) for d in docs]

    def simple_document(self, doc: dict[str, Any]) -> dict[str, Any]:
        out = self.public(doc)
        out["properties"]["provisioningState"] = self._simple_state(doc)
        return out

    def _delete(self, kind: str, doc: dict[str, Any], sub: str) -> dict[str, Any]:
        if doc.get("_deleted_at") is None:
            doc["_deleted_at"] = self.ctx.now() + DELETE_SECONDS
            self.save(kind, doc, sub)
        return self.ops.start(sub, doc["location"], doc["_deleted_at"] - self.ctx.now(), target=doc["id"])

    # galleries and definitions ----------------------------------------------------
    def gallery(self, path: arm.ArmPath) -> dict[str, Any]:
        return self._get("gallery", path, 1, "galleries")

    def definition(self, path: arm.ArmPath) -> dict[str, Any]:
        self.gallery(path)
        return self._get("gallery_image", path, 2, "galleries/images")

    def put_gallery(self, path: arm.ArmPath, body: dict[str, Any]) -> tuple[int, dict[str, Any], dict[str, Any]]:
        if not GALLERY_NAME.match(path.name):
            raise arm.invalid(f"The gallery name '{path.name}' is invalid: use letters, digits, underscores and "
                              "periods (at most 80 characters).", "galleryName")
        props = body.get("properties") or {}
        return self._put_simple("gallery", path, body, {"description": props.get("description", ""),
                                                       "identifier": {"uniqueName": f"{path.subscription}-{path.name.upper()}"}}, ())

    def put_definition(self, path: arm.ArmPath, body: dict[str, Any]) -> tuple[int, dict[str, Any], dict[str, Any]]:
        gallery = self.load("gallery", path.resource_id(1), path.subscription)
        if gallery is None or self._gone(gallery):
            raise arm.parent_not_found("galleries", path.names[0])
        props = dict(body.get("properties") or {})
        for required in ("osType", "osState", "identifier"):
            if not props.get(required):
                raise arm.invalid(f"Required parameter 'properties.{required}' is missing (null).", f"properties.{required}")
        if props["osState"] not in ("Generalized", "Specialized"):
            raise arm.invalid(f"osState must be Generalized or Specialized; got '{props['osState']}'.", "properties.osState")
        props.setdefault("hyperVGeneration", "V1")
        props.setdefault("architecture", "x64")
        return self._put_simple("gallery_image", path, body, props, ("osType", "osState", "identifier", "hyperVGeneration"))

    def _put_simple(self, kind: str, path: arm.ArmPath, body: dict[str, Any], props: dict[str, Any],
                    fixed: tuple[str, ...]) -> tuple[int, dict[str, Any], dict[str, Any]]:
        location = normalize(str(body.get("location") or ""))
        if not location:
            raise SimError("LocationRequired", "The location property is required for this definition.", 400)
        existing = self.load(kind, path.resource_id(), path.subscription)
        now = self.ctx.now()
        if existing is not None and not self._gone(existing):
            for name in fixed:
                if name in props and props[name] != existing["properties"].get(name):
                    raise arm.change_not_allowed(f"properties.{name}")
            existing["properties"].update({k: v for k, v in props.items() if k not in fixed})
            existing["tags"] = dict(body.get("tags") or {})
            self.save(kind, existing, path.subscription)
            return 200, existing, self.ops.start(path.subscription, location, 0.0, target=existing["id"])
        rtype = "Microsoft.Compute/galleries" + ("/images" if kind == "gallery_image" else "")
        doc: dict[str, Any] = {"id": path.resource_id(), "name": path.name, "type": rtype, "location": location,
               "tags": dict(body.get("tags") or {}), "properties": props, "_ready_at": now + SHORT_OP_SECONDS}
        self.save(kind, doc, path.subscription)
        return 201, doc, self.ops.start(path.subscription, location, SHORT_OP_SECONDS, target=doc["id"])

    def delete_gallery(self, path: arm.ArmPath) -> dict[str, Any] | None:
        doc = self.load("gallery", path.resource_id(), path.subscription)
        if doc is None or self._gone(doc):
            return None
        if self._children("gallery_image", doc, path.subscription):
            raise SimError("CannotDeleteResource", "Can not delete resource before nested resources are deleted.", 409)
        return self._delete("gallery", doc, path.subscription)

    def delete_definition(self, path: arm.ArmPath) -> dict[str, Any] | None:
        doc = self.load("gallery_image", path.resource_id(), path.subscription)
        if doc is None or self._gone(doc):
            return None
        if self._children("gallery_version", doc, path.subscription):
            raise SimError("CannotDeleteResource", "Can not delete resource before nested resources are deleted.", 409)
        return self._delete("gallery_image", doc, path.subscription)

    # versions --------------------------------------------------------------------
    def version(self, path: arm.ArmPath) -> dict[str, Any]:
        self.definition(path)
        return self._get("gallery_version", path, 3, "galleries/images/versions")

    def region_view(self, entry: dict[str, Any]) -> tuple[str, int, str]:
        """State, percent and details of one target region now."""
        now = self.ctx.now()
        elapsed = now - entry["start"]
        if entry.get("error") and elapsed >= entry["duration"] * 0.5:
            return "Failed", int(50), entry["error"]["message"]
        if elapsed >= entry["duration"]:
            return "Completed", 100, ""
        return "Replicating", max(0, min(99, int(100 * elapsed / entry["duration"]))), ""

    def version_document(self, version: dict[str, Any], expand: str = "") -> dict[str, Any]:
        doc = self.public(version)
        states = [self.region_view(e)[0] for e in version["_regions"].values()]
        if version.get("_deleted_at") is not None:
            prov = "Deleting"
        elif "Failed" in states:
            prov = "Failed"
        elif "Replicating" in states:
            prov = "Creating" if self.ctx.now() < version["_created_done_at"] else "Updating"
        else:
            prov = "Succeeded"
        doc["properties"]["provisioningState"] = prov
        doc["properties"]["publishingProfile"]["targetRegions"] = [
            {"name": display_name(r), "regionalReplicaCount": e["replicas"], "storageAccountType": e["storage"]}
            for r, e in version["_regions"].items()]
        if expand.lower() == "replicationstatus":
            summary = []
            for region, entry in version["_regions"].items():
                state, progress, details = self.region_view(entry)
                summary.append({"region": display_name(region), "state": state, "details": details, "progress": progress})
            agg = "Failed" if "Failed" in states else ("InProgress" if "Replicating" in states else "Completed")
            doc["properties"]["replicationStatus"] = {"aggregatedState": agg, "summary": summary}
        return doc

    def _targets(self, location: str, profile: dict[str, Any], default_storage: str) -> dict[str, dict[str, Any]]:
        """targetRegions as region -> {replicas, storage}; validated; the version's own region included."""
        count = int(profile.get("replicaCount") or 1)
        wanted = profile.get("targetRegions") or [{"name": location}]
        out: dict[str, dict[str, Any]] = {}
        for item in wanted:
            region = normalize(str(item.get("name") or ""))
            if region not in LOCATIONS:
                raise arm.invalid(f"The target region '{item.get('name')}' is not a valid Azure region.", "targetRegions")
            if region in out:
                raise arm.invalid(f"The target region '{item.get('name')}' is listed more than once.", "targetRegions")
            replicas = int(item.get("regionalReplicaCount") or count)
            if not 1 <= replicas <= MAX_REPLICAS:
                raise arm.invalid(f"regionalReplicaCount for '{region}' must be between 1 and {MAX_REPLICAS}; got {replicas}.",
                                  "regionalReplicaCount")
            storage = str(item.get("storageAccountType") or default_storage)
            if storage not in STORAGE_TYPES:
                raise arm.invalid(f"storageAccountType must be one of {', '.join(STORAGE_TYPES)}; got '{storage}'.",
                                  "storageAccountType")
            out[region] = {"replicas": replicas, "storage": storage}
        if location not in out:
            raise arm.invalid(f"The gallery image version publishing profile regions '{', '.join(out)}' must contain "
                              f"the location of the image version '{location}'.", "targetRegions")
        return out

    def put_version(self, path: arm.ArmPath, body: dict[str, Any]) -> tuple[int, dict[str, Any], dict[str, Any]]:
        sub = path.subscription
        definition = self.load("gallery_image", path.resource_id(2), sub)
        if definition is None or self._gone(definition):
            raise arm.parent_not_found("galleries/images", "/".join(path.names[:2]))
        if not VERSION_NAME.match(path.name) or any(int(p) > 2**31 - 1 for p in path.name.split(".")):
            raise arm.invalid(f"The gallery image version name '{path.name}' is invalid. It must follow the format "
                              "Major(int32).Minor(int32).Patch(int32).", "galleryImageVersionName")
        existing = self.load("gallery_version", path.resource_id(), sub)
        if existing is not None and not self._gone(existing):
            source = ((body.get("properties") or {}).get("storageProfile") or {}).get("source") or {}
            src = str(source.get("virtualMachineId") or source.get("id") or "")
            if src and src.lower() != existing["properties"]["storageProfile"]["source"]["virtualMachineId"].lower():
                raise arm.change_not_allowed("properties.storageProfile.source.virtualMachineId")
            return (200, *self._update(existing, body, sub, "GalleryImageVersions_CreateOrUpdate"))
        location = normalize(str(body.get("location") or ""))
        if location != normalize(definition["location"]):
            raise arm.invalid(f"The gallery image version must be created in the location of its image definition "
                              f"('{definition['location']}'); got '{location}'.", "location")
        props = body.get("properties") or {}
        source = (props.get("storageProfile") or {}).get("source") or {}
        src = str(source.get("virtualMachineId") or source.get("id") or "")
        vm = self.vms.find(src, sub) if src else None
        if vm is None:
            raise arm.invalid(f"The source '{src}' of the gallery image version is not an existing virtual machine.",
                              "storageProfile.source")
        self._check_source(vm, definition, location)
        profile = dict(props.get("publishingProfile") or {})
        mode = profile.get("replicationMode") or "Full"
        storage = str(profile.get("storageAccountType") or "Standard_LRS")
        targets = self._targets(location, profile, storage)
        now = self.ctx.now()
        regions = {}
        for region, t in targets.items():
            start, duration = (now, CAPTURE_SECONDS) if region == location else (now + CAPTURE_SECONDS, self._duration(region, t))
            regions[region] = {**t, "start": start, "duration": duration,
                               "error": self._fault("GalleryImageVersions_CreateOrUpdate", region)}
        safety = dict(props.get("safetyProfile") or {})
        safety.setdefault("allowDeletionOfReplicatedLocations", False)
        safety.setdefault("reportedForPolicyViolation", False)
        version = {
            "id": path.resource_id(), "name": path.name, "type": "Microsoft.Compute/galleries/images/versions",
            "location": location, "tags": dict(body.get("tags") or {}),
            "properties": {"publishingProfile": {"replicaCount": int(profile.get("replicaCount") or 1),
                                                 "excludeFromLatest": bool(profile.get("excludeFromLatest", False)),
                                                 "storageAccountType": storage, "replicationMode": mode,
                                                 "publishedDate": arm.iso(now)},
                           "storageProfile": {"source": {"virtualMachineId": vm["id"]},
                                              "osDiskImage": {"sizeInGB": vm["properties"]["storageProfile"]["osDisk"]["diskSizeGB"],
                                                              "hostCaching": "ReadWrite"}},
                           "safetyProfile": safety},
            "_regions": regions, "_created_done_at": max(e["start"] + e["duration"] for e in regions.values()),
        }
        self.save("gallery_version", version, sub)
        return 201, version, self._operation(version, sub, regions.values())

    def _check_source(self, vm: dict[str, Any], definition: dict[str, Any], location: str) -> None:
        if normalize(vm["location"]) != location:
            raise arm.invalid(f"The source virtual machine is in '{vm['location']}'; the image version must be created "
                              f"in the same region (got '{location}').", "storageProfile.source")
        dprops = definition["properties"]
        os_type = vm["properties"]["storageProfile"]["osDisk"]["osType"]
        if os_type != dprops["osType"]:
            raise arm.invalid(f"The source virtual machine runs {os_type}, but the image definition "
                              f"'{definition['name']}' is for {dprops['osType']}.", "storageProfile.source")
        generalized = self.vms.state(vm)["generalized"]
        if dprops["osState"] == "Generalized" and not generalized:
            raise arm.invalid(f"The image definition '{definition['name']}' is Generalized, but the source virtual machine "
                              f"'{vm['name']}' is not generalized: generalize it first or use a Specialized definition.",
                              "storageProfile.source")
        if dprops["osState"] == "Specialized" and generalized:
            raise arm.invalid(f"The image definition '{definition['name']}' is Specialized, but the source virtual machine "
                              f"'{vm['name']}' is generalized: use a Generalized definition.", "storageProfile.source")

    def _duration(self, region: str, target: dict[str, Any]) -> float:
        return replication_seconds(region) + 30.0 * (target["replicas"] - 1)

    def _fault(self, action: str, region: str) -> dict[str, str] | None:
        fault = self.ctx.take_failure(VENDOR, action, region)
        if fault is None:
            return None
        return {"code": fault.code or "ReplicationFailed",
                "message": fault.message or f"Replication to region '{display_name(region)}' failed in the simulated cloud."}

    def _operation(self, version: dict[str, Any], sub: str, entries: Any) -> dict[str, Any]:
        now = self.ctx.now()
        entries = list(entries)
        end = max([e["start"] + e["duration"] for e in entries] + [now])
        error = next((e["error"] for e in entries if e.get("error")), None)
        return self.ops.start(sub, version["location"], end - now, target=version["id"], error=error)

    def patch_version(self, path: arm.ArmPath, body: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
        return self._update(self.version(path), body, path.subscription, "GalleryImageVersions_Update")

    def _update(self, version: dict[str, Any], body: dict[str, Any], sub: str, action: str) -> tuple[dict[str, Any], dict[str, Any]]:
        """Apply tags, safety and target-region changes in place; only changed regions replicate again."""
        props = body.get("properties") or {}
        if "tags" in body:
            version["tags"] = dict(body.get("tags") or {})
        if props.get("safetyProfile"):
            version["properties"]["safetyProfile"].update(props["safetyProfile"])
        profile = props.get("publishingProfile") or {}
        current = version["properties"]["publishingProfile"]
        if profile.get("replicationMode") and profile["replicationMode"] != current["replicationMode"]:
            raise arm.change_not_allowed("properties.publishingProfile.replicationMode")
        changed: list[dict[str, Any]] = []
        if profile.get("targetRegions"):
            targets = self._targets(version["location"], profile, current["storageAccountType"])
            regions = version["_regions"]
            removed = [r for r in regions if r not in targets]
            if removed and not version["properties"]["safetyProfile"].get("allowDeletionOfReplicatedLocations"):
                raise arm.not_allowed(f"Removing replicated regions ({', '.join(map(display_name, removed))}) from the "
                                      "gallery image version is blocked: set safetyProfile.allowDeletionOfReplicatedLocations "
                                      "to true to allow it.")
            now = self.ctx.now()
            source_done = regions[version["location"]]["start"] + regions[version["location"]]["duration"]
            for region in removed:
                del regions[region]
            for region, t in targets.items():
                old = regions.get(region)
                if old is not None and old["storage"] != t["storage"]:
                    raise arm.change_not_allowed("properties.publishingProfile.targetRegions.storageAccountType")
                if old is None:
                    regions[region] = {**t, "start": max(now, source_done), "duration": self._duration(region, t),
                                       "error": self._fault(action, region)}
                elif old["replicas"] != t["replicas"]:
                    still_running = old["start"] + old["duration"] > now
                    regions[region] = {**old, "replicas": t["replicas"],
                                       **({"duration": old["duration"] + REPLICA_CHANGE_SECONDS} if still_running
                                          else {"start": now, "duration": REPLICA_CHANGE_SECONDS})}
                else:
                    continue
                changed.append(regions[region])
        self.save("gallery_version", version, sub)
        return version, self._operation(version, sub, changed)

    def delete_version(self, path: arm.ArmPath) -> dict[str, Any] | None:
        doc = self.load("gallery_version", path.resource_id(), path.subscription)
        if doc is None or self._gone(doc):
            return None
        return self._delete("gallery_version", doc, path.subscription)
