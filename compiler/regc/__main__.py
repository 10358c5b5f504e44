"""Entry point for `python -m regc`."""

from regc.console import main

main()
