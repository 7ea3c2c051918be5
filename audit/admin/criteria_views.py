"""Admin: criteria (being built)."""
