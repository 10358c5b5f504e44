"""Benchmarks of regc (python -m bench)."""
