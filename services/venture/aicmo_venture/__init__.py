"""The aicmo venture service."""
