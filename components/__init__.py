"""imageforge."""
