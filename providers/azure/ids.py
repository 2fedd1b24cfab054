"""Azure resource ids and blob URIs: VMs, managed images, gallery versions, VHD blobs (pure; rules and adapter)."""
from __future__ import annotations

import re
from dataclasses import dataclass

_PREFIX = r"^/subscriptions/(?P<sub>[^/]+)/resourceGroups/(?P<rg>[^/]+)/providers/Microsoft\.Compute/"
VM_ID = re.compile(_PREFIX + r"virtualMachines/(?P<name>[^/]+)$", re.I)
IMAGE_ID = re.compile(_PREFIX + r"images/(?P<name>[^/]+)$", re.I)
VERSION_ID = re.compile(_PREFIX + r"galleries/(?P<gallery>[^/]+)/images/(?P<image>[^/]+)/versions/(?P<name>[^/]+)$", re.I)
DEFINITION_ID = re.compile(_PREFIX + r"galleries/(?P<gallery>[^/]+)/images/(?P<image>[^/]+)$", re.I)
VERSION_NAME = re.compile(r"^\d{1,10}\.\d{1,10}\.\d{1,10}$")
GALLERY_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.]{0,79}$")
RESOURCE_GROUP = re.compile(r"^[-\w.()]{0,89}[-\w()]$")
STORAGE_ACCOUNT = re.compile(r"^[a-z0-9]{3,24}$")
CONTAINER = re.compile(r"^(?=.{3,63}$)[a-z0-9]+(-[a-z0-9]+)*$")
BLOB_SUFFIX = ".blob.core.windows.net"
# standard endpoints, and the Azure DNS zone endpoints of accounts created with dnsEndpointType=AzureDnsZone
BLOB_URI = re.compile(r"^https://(?P<account>[^./]+)\.(?:blob\.core\.windows\.net|z\d{2}\.blob\.storage\.azure\.net)"
                      r"/(?P<container>[^/?#]+)/(?P<blob>[^?#]+)$")
MAX_BLOB_NAME = 1024


@dataclass(frozen=True)
class Ref:
    """One parsed id: subscription, resource group, name, and for versions the gallery and definition."""

    kind: str  # vm | image | version | definition
    subscription: str
    resource_group: str
    name: str
    gallery: str = ""
    image: str = ""

    @property
    def id(self) -> str:
        base = f"/subscriptions/{self.subscription}/resourceGroups/{self.resource_group}/providers/Microsoft.Compute/"
        if self.kind == "vm":
            return base + f"virtualMachines/{self.name}"
        if self.kind == "image":
            return base + f"images/{self.name}"
        if self.kind == "definition":
            return base + f"galleries/{self.gallery}/images/{self.image}"
        return base + f"galleries/{self.gallery}/images/{self.image}/versions/{self.name}"


def parse(resource_id: str) -> Ref | None:
    for kind, pattern in (("vm", VM_ID), ("image", IMAGE_ID), ("version", VERSION_ID), ("definition", DEFINITION_ID)):
        m = pattern.match(resource_id or "")
        if m:
            groups = m.groupdict()
            return Ref(kind, groups["sub"], groups["rg"], groups.get("name") or groups.get("image") or "",
                       groups.get("gallery") or "", groups.get("image") or "")
    return None


def vm_ref(value: str, resource_group: str, subscription: str) -> Ref | None:
    """A VM named by resource id, by `resource-group/name`, or by name plus the resource group."""
    parsed = parse(value)
    if parsed is not None:
        return parsed if parsed.kind == "vm" else None
    if "/" in value:
        rg, _, name = value.partition("/")
        return Ref("vm", subscription, rg, name) if rg and name and "/" not in name else None
    return Ref("vm", subscription, resource_group, value) if value and resource_group else None



@dataclass(frozen=True)
class Blob:
    """A blob in Azure Storage (public cloud): storage account, container and blob name."""

    account: str
    container: str
    name: str

    @property
    def uri(self) -> str:
        return f"https://{self.account}{BLOB_SUFFIX}/{self.container}/{self.name}"


def blob_of(bucket: str, key: str) -> Blob:
    """The blob an ImportedImage `object` names: bucket '<storage account>/<container>', key '<blob name>'."""
    account, _, container = bucket.strip("/").partition("/")
    return Blob(account, container, key.lstrip("/"))


def parse_blob_uri(uri: str) -> Blob | None:
    """`https://<account>.blob.core.windows.net/<container>/<blob>` (no query), else None."""
    m = BLOB_URI.match(uri or "")
    return Blob(m["account"], m["container"], m["blob"]) if m else None


def blob_problem(blob: Blob) -> tuple[str, str] | None:
    """(part, what is wrong) by Azure Storage's naming rules, part being 'account', 'container' or 'name'."""
    if not STORAGE_ACCOUNT.match(blob.account):
        return "account", f"storage account {blob.account!r} must be 3 to 24 lower-case letters and digits"
    if not CONTAINER.match(blob.container):
        return "container", (f"container {blob.container!r} must be 3 to 63 lower-case letters, digits and single "
                             "hyphens, starting and ending with a letter or digit")
    if not blob.name or len(blob.name) > MAX_BLOB_NAME:
        return "name", f"the blob name must be 1 to {MAX_BLOB_NAME} characters"
    if not blob.name.lower().endswith(".vhd"):
        return "name", (f"blob {blob.name!r} must end with '.vhd' (Azure reads the OS disk from a page blob that "
                        "holds a fixed VHD)")
    return None
