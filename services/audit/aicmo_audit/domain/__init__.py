"""The audit log's rules: events, entries, the canonical encoding and the hash chain.

Nothing here knows about gRPC or SQL; the service layer feeds it plain values.
"""
