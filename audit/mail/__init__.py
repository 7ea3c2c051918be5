"""E-mail: compose outbox messages in the recipient's language and deliver them over SMTP.

The web side of notifications (it renders templates with Flask-Babel); the messages themselves
are written by the domain (audit/outbox.py, audit/notifications).
"""
