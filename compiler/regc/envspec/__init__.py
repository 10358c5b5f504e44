"""The environment spec: one pydantic model is its single source."""
