"""Command line: thin click commands over the library."""

from fraudwarn.cli.main import main

__all__ = ["main"]
