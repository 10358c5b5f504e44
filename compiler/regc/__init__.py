"""regc: compile registry environment specs into a Kustomize tree."""

__version__ = "0.1.0"
