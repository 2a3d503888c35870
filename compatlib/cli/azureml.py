"""``compatlib azureml``: a lock as an Azure ML environment asset (and registering it)."""

from __future__ import annotations

import argparse
import sys
from typing import Any

__all__ = ["add_parser", "run"]


def add_parser(sub: Any) -> argparse.ArgumentParser:
    """Add the ``azureml`` subcommand to ``sub`` (an ``add_subparsers()`` result)."""
    p: argparse.ArgumentParser = sub.add_parser(
        "azureml",
        help="turn a lock into an Azure ML environment (and register it)",
        description=(
            "Write an Azure ML environment asset (environment.yml) and its pinned conda "
            "file (conda.yml) for the linux-64 part of a JSON lock, on a base image chosen "
            "for the lock's glibc and GPU needs; optionally register it in a workspace."
        ),
    )
    p.add_argument("lock", help="a JSON lock written by compatlib lock")
    p.add_argument("--name", required=True, help="the environment's name in Azure ML")
    p.add_argument("--version", default="1", help="the environment's version (default 1)")
    p.add_argument("--image", help="the base image (default: chosen from the lock's needs)")
    p.add_argument("--description", help="a description for the asset")
    p.add_argument(
        "--allow-deprecated", action="store_true", help="consider deprecated base images too"
    )
    p.add_argument(
        "--no-hashes", action="store_true", help="leave --hash out of the conda file's pip section"
    )
    p.add_argument("-o", "--output", metavar="DIR", help="folder for environment.yml and conda.yml")
    p.add_argument(
        "--register",
        action="store_true",
        help="create or update it in the workspace given below (needs azure-ai-ml "
        "and azure-identity, and credentials DefaultAzureCredential finds)",
    )
    p.add_argument("--subscription", help="Azure subscription id (with --register)")
    p.add_argument("--resource-group", help="resource group (with --register)")
    p.add_argument("--workspace", help="Azure ML workspace name (with --register)")
    return p


def run(args: argparse.Namespace) -> int:
    """Run ``compatlib azureml`` for parsed ``args``; returns the exit code."""
    # lazy: registering the command (compatlib --help) loads none of these
    from compatlib.adapters.azureml import azureml_environment, register, workspace_client
    from compatlib.errors import InputError
    from compatlib.lock.model import read_lock

    lock = read_lock(args.lock)
    env = azureml_environment(
        lock,
        name=args.name,
        version=args.version,
        image=args.image,
        description=args.description,
        hashes=not args.no_hashes,
        allow_deprecated=args.allow_deprecated,
    )
    if args.output:
        asset = env.write(args.output)
        print(f"wrote {asset} and {asset.with_name('conda.yml')}", file=sys.stderr)
    else:
        sys.stdout.write(env.asset_yaml())
        print("conda.yml is written only with -o DIR", file=sys.stderr)
    print(f"image: {env.image_reason}", file=sys.stderr)
    if args.register:
        missing = [
            flag
            for flag, given in (
                ("--subscription", args.subscription),
                ("--resource-group", args.resource_group),
                ("--workspace", args.workspace),
            )
            if not given
        ]
        if missing:
            raise InputError(
                f"--register needs {', '.join(missing)}",
                field="register",
                expected="--subscription ID --resource-group NAME --workspace NAME",
            )
        client = workspace_client(args.subscription, args.resource_group, args.workspace)
        created = register(env, client)
        print(
            f"registered {getattr(created, 'name', env.name)}:"
            f"{getattr(created, 'version', env.version)}",
            file=sys.stderr,
        )
    return 0
