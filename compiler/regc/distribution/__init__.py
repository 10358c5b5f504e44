"""What the distribution registry itself does with its configuration: its YAML decoder, its
configuration parser and the `REGISTRY_*` variables, the images' own files (one truth for import,
render and diff)."""
