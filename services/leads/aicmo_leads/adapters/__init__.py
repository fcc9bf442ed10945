"""Storage: the leads database tables and the queries over them."""
