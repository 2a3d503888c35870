"""Command-line subcommands: each module adds its parser and runs it (parsing and printing only)."""
