"""The aicmo leads service."""
