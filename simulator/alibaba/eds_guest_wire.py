"""ecd's guest-command and power actions on the EDS wire: parameters in, the ecd models' reply shapes out.

RunCommand, DescribeInvocations, StopDesktops, TagResources and DeleteDesktops; eds_wire.py routes
them here and overlays the changing state (DesktopStatus, Tags) on DescribeDesktops.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import acs3, rpc
from .eds_guest import EdsGuest

Handler = Callable[[str, dict[str, str]], dict[str, Any]]


class EdsGuestWire:
    def __init__(self, guest: EdsGuest) -> None:
        self.guest = guest

    def handlers(self) -> dict[str, Handler]:
        return {"RunCommand": self.run_command, "DescribeInvocations": self.describe_invocations,
                "StopDesktops": self.stop_desktops, "TagResources": self.tag_resources,
                "DeleteDesktops": self.delete_desktops}

    def run_command(self, region: str, p: dict[str, str]) -> dict[str, Any]:
        self.guest.model.check_region(region)
        return {"InvokeId": self.guest.run(region, acs3.id_list(p, "DesktopId"), p.get("Type", ""),
                                           p.get("CommandContent", ""), p.get("ContentEncoding", ""),
                                           p.get("Timeout"))}

    def describe_invocations(self, region: str, p: dict[str, str]) -> dict[str, Any]:
        """Invocations[] with InvokeDesktops[]; NextToken / MaxResults (at most 50, default 10) paging."""
        self.guest.model.check_region(region)
        desktops = acs3.id_list(p, "DesktopIds") or ([p["DesktopId"]] if p.get("DesktopId") else [])
        found = self.guest.describe(region, p.get("InvokeId", ""), desktops, p.get("InvokeStatus", ""),
                                    plain=p.get("ContentEncoding", "") != "Base64",
                                    output=acs3.boolean(p, "IncludeOutput", default=True))
        if p.get("CommandType"):
            found = [i for i in found if i["CommandType"] == p["CommandType"]]
        chunk, token = acs3.token_page(found, p, default_size=10, max_size=50)
        return {"Invocations": chunk, "NextToken": token}

    def stop_desktops(self, region: str, p: dict[str, str]) -> dict[str, Any]:
        self.guest.model.check_region(region)
        self.guest.stop(region, acs3.id_list(p, "DesktopId"))
        return {}

    def tag_resources(self, region: str, p: dict[str, str]) -> dict[str, Any]:
        self.guest.model.check_region(region)
        self.guest.tag(region, p.get("ResourceType", ""), acs3.id_list(p, "ResourceId"), rpc.tags(p))
        return {}

    def delete_desktops(self, region: str, p: dict[str, str]) -> dict[str, Any]:
        self.guest.model.check_region(region)
        self.guest.delete(region, acs3.id_list(p, "DesktopId"))
        return {}
