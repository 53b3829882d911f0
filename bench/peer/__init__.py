"""The same two-approval flow in django-viewflow 2.x, for `bench/_engine_peer.py` (a bench-only app:
installed by the `bench` extra, listed only in bench.peer.settings)."""
