"""Disk-image preflight: what a file really is, and whether each cloud will import it, before any upload.

    image = inspect("disk.qcow2")
    issues = rules_for("huawei").evaluate(image)
"""
from __future__ import annotations

from .clouds import CLOUDS, canonical, rules_for
from .inspector import inspect
from .model import DiskImage, Finding, InspectError, Issue, Partition, verdict
from .rules import Options, Rule, RuleSet

__all__ = [
    "CLOUDS",
    "DiskImage",
    "Finding",
    "InspectError",
    "Issue",
    "Options",
    "Partition",
    "Rule",
    "RuleSet",
    "canonical",
    "inspect",
    "rules_for",
    "verdict",
]
