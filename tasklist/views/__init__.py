"""The staff web UI's views, one module per page family; each view stays thin."""
