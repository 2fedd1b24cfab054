"""The sample stack: `__main__.py` is the Pulumi program, `Pulumi.sim.yaml` its offline configuration.

Installed with the package as imageforge.stacks, so `imageforge demo` runs it from any folder.
"""
