"""Emit: objects to deterministic files of a Kustomize tree (base/ and overlays/<env>/)."""
