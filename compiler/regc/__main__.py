"""Entry point for `python -m regc`."""

from regc.entry import main

main()
