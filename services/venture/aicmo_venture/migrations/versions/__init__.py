"""Revisions of the venture schema."""
