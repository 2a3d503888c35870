"""``compatlib azureml``: a lock as an Azure ML environment asset (and registering it)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
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
            "for the lock's glibc, CUDA and driver needs, or a Docker build context "
            "(--dockerfile); check it against a VM size (--vm); optionally register it in "
            "a workspace. A package, index or channel only this machine has is exit 2."
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
    p.add_argument(
        "--vm",
        metavar="SIZE",
        help="an Azure VM size the job runs on (Standard_NC24ads_A100_v4): its GPU must "
        "be one the lock's builds run on, its driver (when known) the lock's and the image's",
    )
    p.add_argument(
        "--driver",
        metavar="VERSION",
        help="the NVIDIA driver the job runs on (default: the lock's target driver, if any); "
        "the image's CUDA must run on it",
    )
    p.add_argument(
        "--dockerfile",
        metavar="DIR",
        help="write a Docker build context (Dockerfile, conda-explicit.txt, requirements.txt) "
        "into DIR, and an asset that builds it, instead of image + conda.yml",
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
    output = Path(args.output) if args.output else None
    context: str | None = None
    if args.dockerfile:
        # the asset names the context relative to the folder it is written to
        base = output if output is not None else Path.cwd()
        context = Path(
            os.path.relpath(Path(args.dockerfile).absolute(), base.absolute())
        ).as_posix()
    env = azureml_environment(
        lock,
        name=args.name,
        version=args.version,
        image=args.image,
        description=args.description,
        hashes=not args.no_hashes,
        allow_deprecated=args.allow_deprecated,
        vm=args.vm,
        driver=args.driver,
        build_context=context,
    )
    if args.dockerfile:
        # lazy: only --dockerfile renders a build context
        from compatlib.adapters.docker import docker_context

        built = docker_context(  # the same image choice as the asset's
            lock,
            image=args.image,
            allow_deprecated=args.allow_deprecated,
            vm=args.vm,
            driver=args.driver,
        )
        path = built.write(args.dockerfile)
        print(f"wrote {path} and {', '.join(n for n, _ in built.files[1:])}", file=sys.stderr)
    if output is not None:
        asset = env.write(output)
        also = "" if args.dockerfile else f" and {asset.with_name('conda.yml')}"
        print(f"wrote {asset}{also}", file=sys.stderr)
    else:
        sys.stdout.write(env.asset_yaml())
        if not args.dockerfile:
            print("conda.yml is written only with -o DIR", file=sys.stderr)
    print(f"image: {env.image_reason}", file=sys.stderr)
    for note in env.notes:
        print(f"note: {note}", file=sys.stderr)
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
