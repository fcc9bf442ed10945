"""The venture service's rules: no gRPC, no SQLAlchemy, no clock of its own."""
