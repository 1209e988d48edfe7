"""Subcommands of the `jobmigrate` command line, one module each."""
