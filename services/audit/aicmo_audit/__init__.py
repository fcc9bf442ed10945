"""The aicmo audit service."""
