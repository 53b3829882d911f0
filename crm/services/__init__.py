"""CRM writes. Every state change goes through one of these functions (keyword-only, actor first)."""
