"""API views, one module per domain app."""
