"""Render: pure functions from a plan to Kubernetes objects, one module per component."""
