"""EDS cloud computers that change, and ecd's guest commands: power, tags, the guest, the agent, invocations.

Seeded cloud computers keep their DescribeDesktops record; what changes is kept beside it as the
same `InstanceState` ECS uses (power as of the last StopDesktops, a pending power change, tags, the
guest's state and pending changes, whether the Cloud Assistant agent runs). Nothing ticks: every
read computes the state at `now`. What a script does in the guest is simulator/core/guest.py's.

ecd RunCommand runs PowerShell or batch scripts on Windows computers only (Type RunPowerShellScript /
RunBatScript; CommandContent at most 16 KB Base64; Timeout default 300 s). A command sent to a
Linux computer ends Invalid with ErrorCode CommandNotApplicable.

The agent of a computer is offline when it was added with `agent=False` (`EdsGuest.add_desktop`)
or while it carries the tag `imageforge-sim-agent=offline` (set with TagResources, so a raw SDK can
switch it). A command sent to it stays Pending for DELIVERY_SECONDS, then ends Aborted with
ErrorCode ClientNotRunning, as InvokeDesktops reports it. ecd itself has no agent-status call.
"""
from __future__ import annotations

import base64
from dataclasses import asdict
from typing import Any

from ..core import guest as guest_model, ids
from ..core.context import SimContext
from ..core.lifecycle import Lifecycle
from ..core.wire import SimError
from .ecs_assist import (AGENT_TAG, DELIVERY_SECONDS, ERROR_INFO, STOP_SECONDS, EcsAssist, InstanceState, Invocation,
                         iso)
from .eds_model import VENDOR, EdsModel

__all__ = ["AGENT_TAG", "EdsGuest"]
TYPES = ("RunPowerShellScript", "RunBatScript")
CONTENT_MAX = 16 * 1024  # Base64 CommandContent (RunCommand reference)
DEFAULT_TIMEOUT = 300
MAX_DESKTOPS = 50  # RunCommand.DesktopId: 1 to 50
RESOURCE_TYPE = "ALIYUN::GWS::INSTANCE"
RUNNING = ("Pending", "Running")


class EdsGuest:
    """Cloud computer power and tags, and ecd's RunCommand / DescribeInvocations, over the shared store."""

    def __init__(self, ctx: SimContext, model: EdsModel) -> None:
        self.ctx = ctx
        self.store = ctx.store
        self.model = model

    # cloud computers -------------------------------------------------------------
    def add_desktop(self, region: str, os_type: str, name: str = "", agent: bool = True) -> str:
        """A new running cloud computer (tests and demos); `agent=False` seeds one whose agent is offline."""
        windows = os_type.lower() == "windows"
        desktop_id = ids.prefixed(self.store, "eds.desktop", "ecd-", 17)
        self.store.put(VENDOR, region, "desktop", desktop_id, {
            "DesktopId": desktop_id, "DesktopName": name or f"build-{os_type.lower()}", "DesktopStatus": "Running",
            "OsType": "Windows" if windows else "Linux",
            "Platform": "Windows Server 2022" if windows else "Ubuntu", "DesktopType": "eds.enterprise_office.4c8g",
            "Cpu": 4, "Memory": 8192, "ZoneId": f"{region}-a", "OfficeSiteId": f"{region}+dir-imageforge01",
            "CreationTime": iso(self.ctx.now()), "ChargeType": "PostPaid", "ProtocolType": "ASP",
            "SystemDiskSize": 80, "DataDiskSize": 0, "VolumeEncryptionEnabled": False, "Disks": []})
        self._put(region, desktop_id, InstanceState(agent=agent))
        return desktop_id

    def state(self, region: str, desktop_id: str) -> InstanceState:
        return InstanceState.from_record(self.store.get(VENDOR, region, "desktop-state", desktop_id))

    def _put(self, region: str, desktop_id: str, state: InstanceState) -> None:
        self.store.put(VENDOR, region, "desktop-state", desktop_id, asdict(state))

    def view(self, region: str, record: dict[str, Any]) -> dict[str, Any]:
        """DescribeDesktops' Desktop: the record with the status and tags of now."""
        found = self.store.get(VENDOR, region, "desktop-state", record["DesktopId"])
        if found is None:
            return record
        st = InstanceState.from_record(found)
        return {**record, "DesktopStatus": st.power_at(self.ctx.now()),
                "Tags": [{"Key": k, "Value": v} for k, v in sorted(st.tags.items())]}

    def guest(self, region: str, desktop_id: str) -> dict[str, Any]:
        """The guest's state now (tests read whether it was really generalized)."""
        return self.state(region, desktop_id).guest_at(self.ctx.now())

    def power(self, region: str, desktop_id: str) -> str:
        return self.state(region, desktop_id).power_at(self.ctx.now())

    def tag(self, region: str, resource_type: str, desktop_ids: list[str], tags: dict[str, str]) -> None:
        """TagResources: ALIYUN::GWS::INSTANCE, 1 to 50 computers, 1 to 20 tags; a key already set is overwritten."""
        if resource_type != RESOURCE_TYPE:
            raise SimError("InvalidResourceType.NotSupported", f"ResourceType must be {RESOURCE_TYPE}.", 400)
        if not 1 <= len(desktop_ids) <= MAX_DESKTOPS or not 1 <= len(tags) <= 20:
            raise SimError("InvalidParameter", "ResourceId takes 1 to 50 ids and Tag 1 to 20 tags.", 400)
        for key, value in tags.items():
            if not key or len(key) > 128 or key.startswith(("aliyun", "acs:")) or "http://" in key or "https://" in key:
                raise SimError("InvalidParameter.TagKey", f"The tag key {key!r} is not valid.", 400)
            if len(value) > 128 or value.startswith("acs:"):
                raise SimError("InvalidParameter.TagValue", f"The tag value of {key!r} is not valid.", 400)
        for desktop_id in desktop_ids:
            self.model.desktop(region, desktop_id)
            st = self.state(region, desktop_id)
            st.tags = {**st.tags, **tags}
            self._put(region, desktop_id, st)

    def stop(self, region: str, desktop_ids: list[str]) -> None:
        """StopDesktops: Running -> Stopping -> Stopped; a computer that is not Running is IncorrectDesktopStatus."""
        now = self.ctx.now()
        for desktop_id in desktop_ids:
            self.model.desktop(region, desktop_id)
            if self.power(region, desktop_id) != "Running":
                raise SimError("IncorrectDesktopStatus", f"The cloud computer {desktop_id} is not Running.", 400)
        for desktop_id in desktop_ids:
            st = self.state(region, desktop_id)
            st.power, st.change = "Running", {"to": "Stopped", "lifecycle": Lifecycle.start(now, STOP_SECONDS).record()}
            self._put(region, desktop_id, st)

    def delete(self, region: str, desktop_ids: list[str]) -> None:
        for desktop_id in desktop_ids:
            self.model.desktop(region, desktop_id)
            self.store.delete(VENDOR, region, "desktop", desktop_id)
            self.store.delete(VENDOR, region, "desktop-state", desktop_id)

    # RunCommand ------------------------------------------------------------------
    def run(self, region: str, desktop_ids: list[str], type_: str, content: str, encoding: str,
            timeout: str | None) -> str:
        """RunCommand: one invocation per computer under one InvokeId."""
        if type_ not in TYPES:
            raise SimError("InvalidCmdType.NotFound", f"The specified Type {type_!r} is not valid: "
                                                      f"{' or '.join(TYPES)}.", 400)
        if not 1 <= len(desktop_ids) <= MAX_DESKTOPS:
            raise SimError("InvalidParameter.DesktopId", "DesktopId takes 1 to 50 cloud computer ids.", 400)
        stored = _content(content, encoding)
        seconds = _timeout(timeout)
        records = [self.model.desktop(region, d) for d in desktop_ids]
        invoke_id = ids.prefixed(self.store, "eds.invoke", "t-", 20)
        for record in records:
            self._start(region, invoke_id, type_, stored, seconds, record)
        return invoke_id

    def _start(self, region: str, invoke_id: str, type_: str, content: str, timeout: int, record: dict[str, Any]) -> None:
        now = self.ctx.now()
        desktop_id = record["DesktopId"]
        st = self.state(region, desktop_id)
        inv = Invocation(invoke_id, "", desktop_id, region, "", type_, content, timeout, Lifecycle.start(now, 0.0),
                         "Aborted")
        if st.power_at(now) != "Running":
            inv.error_code = "InstanceNotRunning"
        elif str(record.get("OsType", "")).lower() != "windows":
            inv.status, inv.error_code = "Invalid", "CommandNotApplicable"
        elif not st.agent_online(now):
            inv.error_code, inv.pending, inv.lifecycle = "ClientNotRunning", True, Lifecycle.start(now, DELIVERY_SECONDS)
        else:
            fail = self.ctx.take_failure(VENDOR, "RunCommand", region) is not None
            script = base64.b64decode(content).decode("utf-8", errors="replace")
            state = guest_model.GuestState.from_record({**st.guest_at(now), "family": "windows"})
            outcome = guest_model.run(state, script.replace("\r\n", "\n").split("\n"), fail=fail)
            EcsAssist._finish(inv, outcome, st, now)
            self._put(region, desktop_id, st)
        self.store.put(VENDOR, region, "invocation", f"{invoke_id}/{desktop_id}", inv.to_record())

    def invocations(self, region: str, invoke_id: str = "", desktop_ids: list[str] | None = None) -> list[Invocation]:
        """Per-computer invocations, oldest first."""
        found = [Invocation.from_record(r) for r in self.store.list(VENDOR, region, "invocation")]
        return sorted((i for i in found if (not invoke_id or i.invoke_id == invoke_id)
                       and (not desktop_ids or i.instance_id in desktop_ids)),
                      key=lambda i: (i.lifecycle.started_at, i.invoke_id))

    def describe(self, region: str, invoke_id: str, desktop_ids: list[str], status: str, plain: bool,
                 output: bool) -> list[dict[str, Any]]:
        """DescribeInvocations' Invocations[], newest first, each with InvokeDesktops[]."""
        now = self.ctx.now()
        groups: dict[str, list[Invocation]] = {}
        for inv in self.invocations(region, invoke_id, desktop_ids):
            groups.setdefault(inv.invoke_id, []).append(inv)
        out = [_invocation(group, now, plain, output, self.model, region) for group in groups.values()]
        if status:
            out = [i for i in out if i["InvocationStatus"] == status]
        return list(reversed(out))


def _content(content: str, encoding: str) -> str:
    """CommandContent as stored (Base64): PlainText unless ContentEncoding is Base64; at most 16 KB once encoded."""
    if not content:
        raise SimError("MissingCommandContent", "CommandContent is mandatory for this action.", 400)
    if encoding != "Base64":  # a value outside the enumeration counts as PlainText (API reference)
        content = base64.b64encode(content.encode()).decode()
    else:
        try:
            base64.b64decode(content, validate=True)
        except ValueError as exc:
            raise SimError("InvalidParameter.CommandContent", "The CommandContent is not Base64.", 400) from exc
    if len(content) > CONTENT_MAX:
        raise SimError("CmdContent.ExceedLimit", "The Base64-encoded CommandContent cannot exceed 16 KB.", 400)
    return content


def _timeout(value: str | None) -> int:
    try:
        timeout = int(value) if value not in (None, "") else DEFAULT_TIMEOUT
    except ValueError:
        timeout = -1
    if not 1 <= timeout <= 86400:
        raise SimError("InvalidParam.Timeout", "Timeout must be a number of seconds from 1 to 86400.", 400)
    return timeout


def _invocation(group: list[Invocation], now: float, plain: bool, output: bool, model: EdsModel,
                region: str) -> dict[str, Any]:
    """One invocation as DescribeInvocations shows it; the overall status as the model class documents it."""
    first = group[0]
    states = [i.status_at(now) for i in group]
    overall: str | None = next((s for s in ("Pending", "Running", "Stopping") if s in states), None)
    if overall is None:
        ok = [s == "Success" for s in states]
        overall = "Success" if all(ok) else "Failed" if not any(ok) else "PartialFailed"
    desktops = []
    for inv in group:
        raw = inv.result(now, plain)
        name = (model.store.get(VENDOR, region, "desktop", inv.instance_id) or {}).get("DesktopName", "")
        item = {"DesktopId": inv.instance_id, "DesktopName": name, "InvocationStatus": raw["InvocationStatus"],
                "Repeats": raw["Repeats"], "CreationTime": raw["StartTime"], "StartTime": raw["StartTime"],
                "UpdateTime": raw.get("FinishedTime", raw["StartTime"]), "Dropped": raw["Dropped"],
                "ErrorCode": raw["ErrorCode"], "ErrorInfo": ERROR_INFO.get(raw["ErrorCode"], raw["ErrorInfo"])}
        if "FinishedTime" in raw:
            item["FinishTime"] = raw["FinishedTime"]
        if "ExitCode" in raw:
            item["ExitCode"] = raw["ExitCode"]
        if output:
            item["Output"] = raw["Output"]
        desktops.append(item)
    content = first.content if not plain else base64.b64decode(first.content).decode(errors="replace")
    return {"InvokeId": first.invoke_id, "CommandType": first.type, "CommandContent": content,
            "CreationTime": iso(first.lifecycle.started_at), "InvocationStatus": overall,
            "InvokeDesktopCount": len(group), "InvokeDesktopSucceedCount": states.count("Success"),
            "DesktopScenario": "Classic", "InvokeDesktops": desktops}
