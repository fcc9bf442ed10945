"""Use cases: plain functions over a repository, run in one transaction each."""
