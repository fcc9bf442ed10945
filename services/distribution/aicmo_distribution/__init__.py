"""The aicmo distribution service."""
