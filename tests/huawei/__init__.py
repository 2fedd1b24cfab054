"""Huawei Cloud IMS: simulator fidelity, adapter, rules and resources."""
