"""CLI subcommands, one module each. A module defines ``register(subparsers)`` that adds its parser and sets
``func=handler`` (``handler(args) -> exit status``). Modules are discovered automatically."""
