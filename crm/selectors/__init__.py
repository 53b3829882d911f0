"""CRM reads, scoped by `visible_to`."""
