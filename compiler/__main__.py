"""Entry point for `python -m regc`."""

from regc.cli import main

main()
