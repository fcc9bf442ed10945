"""The gRPC face of the audit service: requests to domain values and back."""
