"""Use cases: plain functions over a SQLAlchemy session, one unit of work each."""
