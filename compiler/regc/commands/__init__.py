"""The commands beyond build: check, diff, render, init and rgw-commands, each over the pipeline."""
