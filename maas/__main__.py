"""``python -m maas`` = the ``maas`` command."""

from maas.cli import main

main()
