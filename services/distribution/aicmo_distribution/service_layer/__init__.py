"""Use cases: the send path, templates and campaign runs, over a unit of work."""
