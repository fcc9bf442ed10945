"""Distribution's rules: send states, block reasons, idempotency, templates, tokens.

Imports no gRPC and no SQLAlchemy.
"""
