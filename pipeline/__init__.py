"""Stages after the fetch: config, merge, emit, the run that wires them, and the CLI."""
