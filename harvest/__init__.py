"""Fetch stages: one module per source, each a thin ``fetch()`` plus a pure ``to_record()``.

Modules are imported on use (``from harvest import arxiv_source``) so that ``python -m pipeline
--help`` does not load the API clients.
"""
