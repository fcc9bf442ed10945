"""The aicmo gateway: the CLI, the local stack and the HTTP edge."""
