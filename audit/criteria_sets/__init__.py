"""Criteria sets and their versions in the database."""
