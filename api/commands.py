"""The `planner keys` commands, for whoever runs the service: making API keys."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pydantic import ValidationError

from api.keys import KeyFileError, Role, add_key, describe
from api.settings import Settings

__all__ = ["add_commands"]

EXIT_OK, EXIT_INVALID = 0, 2


def add_commands(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add `keys add NAME --role ROLE [--keys-file PATH]` to a command line's subcommands."""
    keys = subparsers.add_parser("keys", help="manage the service's API keys")
    actions = keys.add_subparsers(required=True, metavar="ACTION")
    add = actions.add_parser(
        "add",
        help="make a key, store only its hash, print the key once",
        description="Make an API key, store its SHA-256 hash in the keys file and print the key on standard "
        "output; it cannot be shown again.",
    )
    add.add_argument("name", metavar="NAME", help="who holds the key, as the audit log will name them")
    add.add_argument("--role", required=True, choices=[role.value for role in Role])
    add.add_argument(
        "--keys-file", type=Path, metavar="PATH", help="default: the service's keys_file setting (PLANNER_KEYS_FILE)"
    )
    add.set_defaults(run=run_keys_add)


def run_keys_add(args: argparse.Namespace) -> int:
    """Add a key and print it, alone, on standard output; errors go to standard error with exit code 2."""
    try:
        path: Path = args.keys_file or Settings().keys_file
        key = add_key(path, args.name, Role(args.role))
    except ValidationError as error:
        sys.stderr.write(f"error: the service settings are not valid: {describe(error)}\n")
        return EXIT_INVALID
    except KeyFileError as error:
        sys.stderr.write(f"error: {error}\n")
        return EXIT_INVALID
    # The key goes to stdout alone, so that `KEY=$(planner keys add ...)` captures exactly the key.
    sys.stdout.write(key + "\n")
    return EXIT_OK
