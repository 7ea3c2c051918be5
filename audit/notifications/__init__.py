"""Notifications: which messages exist, who gets them, and the consumer that writes them.

Domain code, no Flask: it writes outbox rows (codes and ids); audit/mail composes and sends them.
"""
