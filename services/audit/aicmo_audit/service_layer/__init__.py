"""The audit log's use cases: plain functions over a session (or, for scans that span many
transactions, over the database)."""
