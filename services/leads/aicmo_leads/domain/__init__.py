"""The rules about people: identifiers, capture validation, consent, contactability.

Nothing here imports gRPC or SQLAlchemy, so every rule can be tested on its own.
"""
