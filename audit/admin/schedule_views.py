"""Admin: schedule (being built)."""
