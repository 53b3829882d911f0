"""A tiny app, installed only in tests, that exercises framework pieces (row-level permissions)."""
