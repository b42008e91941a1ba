"""Eval suites: each module exposes `run(backend: str) -> SuiteResult`."""
