"""Azure: simulator fidelity, adapter, rules and resources."""
