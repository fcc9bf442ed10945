"""The audit log's storage: SQLAlchemy tables and the repository over them."""
