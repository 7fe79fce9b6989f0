"""``python -m cnnarch``: the same command line as ``cnnarch``."""

from cnnarch.cli.app import main

main()
