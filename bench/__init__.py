"""Baton's benchmarks: each module here exposes `run(quick: bool) -> dict`; `python -m bench` runs
them all, prints one table and appends the figures to docs/benchmarks.md. Benchmarks are not
tests: nothing under tests/ imports this package."""
