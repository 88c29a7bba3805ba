"""``python -m symrf`` runs the command line."""

from .cli import main

main()
