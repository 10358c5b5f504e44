"""Kubernetes' own API schemas (kubernetes-validate, strict: an unknown field fails), each schema file
parsed once per test process: the validator reads a kind's schema and the shared definitions from
disk for every object, which made it most of the cost of checking many objects."""

from __future__ import annotations

import functools

import kubernetes_validate
import kubernetes_validate.utils

ValidationError = kubernetes_validate.ValidationError
kubernetes_validate.utils.schema_contents = functools.cache(kubernetes_validate.utils.schema_contents)


def validate(obj: dict, version: str = "1.37") -> None:
    """Raise ValidationError unless the API server of `version` would accept `obj`'s shape."""
    kubernetes_validate.validate(obj, version, strict=True)
