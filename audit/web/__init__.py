"""Flask plumbing shared by the blueprints: no domain rules."""
