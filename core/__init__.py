"""Cross-cutting building blocks: domain errors, row-level permissions, the web shell, the ticker."""
