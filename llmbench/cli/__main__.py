"""``python -m llmbench.cli``."""

from llmbench.cli import main

main()
