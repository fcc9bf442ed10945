"""The skeleton every aicmo service shares: server factory, auth, errors, storage, telemetry."""
