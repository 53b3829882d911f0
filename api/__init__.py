"""The staff REST API (DRF) and its OpenAPI schema: thin views over the domain services."""
