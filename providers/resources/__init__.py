"""The Pulumi dynamic resources: one module each, a thin provider over the adapters."""
