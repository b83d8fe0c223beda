"""``python -m smsc_soap.cli``: the command line, where the console script is not on PATH."""

from smsc_soap.cli import main

main()
