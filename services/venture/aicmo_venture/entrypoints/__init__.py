"""The gRPC face of the venture service."""
