"""``compatlib stack ...``: answer questions about the ML stack (parsing and printing only).

Every answer says how current the knowledge base is: a line on stderr (``compatlib
stack: knowledge base as of 2026-12-03``) and an ``as_of`` key in ``--json`` objects
(list outputs keep their shape and get the stderr line).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

__all__ = ["add_parser", "run"]


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "stack",
        help="questions about drivers, CUDA, GPUs, OS and framework builds",
        description="Query compatlib's sourced knowledge base of the ML stack.",
    )
    p.add_argument("--json", action="store_true", help="print JSON")
    q = p.add_subparsers(dest="query", metavar="QUERY", parser_class=type(p))
    q.required = True
    # --json also after the query ("compatlib stack gpu H100 --json")
    json_flag = argparse.ArgumentParser(add_help=False)
    json_flag.add_argument(
        "--json", action="store_true", default=argparse.SUPPRESS, help="print JSON"
    )

    def query(name: str, **kwargs: Any) -> Any:
        return q.add_parser(name, parents=[json_flag], **kwargs)

    a = query("min-driver", help="minimum NVIDIA driver for a CUDA release")
    a.add_argument("cuda")
    a.add_argument("--os", default="linux", choices=("linux", "windows"))
    a.add_argument(
        "--minor",
        action="store_true",
        help="the minor-version-compatibility floor of that CUDA major",
    )
    a = query("max-cuda", help="the CUDA a driver runs (nvidia-smi's CUDA Version)")
    a.add_argument("driver")
    a.add_argument("--os", default="linux", choices=("linux", "windows"))
    a = query("gpu", help="compute capability and architecture of a GPU")
    a.add_argument("name")
    a = query("cuda-supports", help="can a CUDA release build for a GPU")
    a.add_argument("cuda")
    a.add_argument("compute_capability")
    a = query("can-run", help="can code built for an arch list run on a GPU")
    a.add_argument("arch_list", help="comma-separated, e.g. 8.0,8.6,9.0+PTX")
    a.add_argument("compute_capability")
    a = query("glibc", help="glibc of an OS release")
    a.add_argument("os")
    a = query("build", help="a framework build: CUDA, cuDNN, Python, GPU archs, glibc")
    a.add_argument("framework")
    a.add_argument("version")
    a.add_argument("--variant")
    a = query("newest", help="the newest framework build that works on a system")
    a.add_argument("framework")
    a.add_argument("--system", required=True, help="preset, YAML file or key=value,...")
    a.add_argument("--python", help="target Python (X.Y)")
    a.add_argument("--variant")
    a = query("matrix", help="compatibility matrix of a framework's builds")
    a.add_argument("framework")
    a.add_argument("--markdown", action="store_true")
    query("detect", help="detect this machine's driver, GPUs, glibc and OS")
    query("presets", help="list system presets")
    a = query("system", help="show the profile a --system spec gives")
    a.add_argument("spec")


def _emit(args: argparse.Namespace, data: Any, text: str, notes: tuple[str, ...] = ()) -> None:
    """Print an answer: ``data`` as JSON (objects get ``as_of``), else ``text`` on
    stdout, with the data's date and any notes on stderr."""
    # lazy: only _emit needs compatlib.stack.knowledge, which loads 15 modules that importing this one does not
    from compatlib.stack.knowledge import as_of

    if args.json:
        if isinstance(data, dict):
            data = {**data, "as_of": as_of()}
            if notes:
                data.setdefault("notes", list(notes))
        else:
            _stamp(notes)
        print(json.dumps(data, indent=2, sort_keys=True))
    else:
        print(text)
        _stamp(notes)


def _stamp(notes: tuple[str, ...] = ()) -> None:
    # lazy: only _stamp needs compatlib.stack.knowledge, which loads 15 modules that importing this one does not
    from compatlib.stack.knowledge import as_of

    for note in notes:
        print(f"note: {note}", file=sys.stderr)
    print(f"compatlib stack: knowledge base as of {as_of()}", file=sys.stderr)


def run(args: argparse.Namespace) -> int:
    # lazy: only run needs compatlib.stack, which loads 1 module that importing this one does not
    from compatlib import stack

    # lazy: only run needs compatlib.stack.knowledge, which loads 15 modules that importing this one does not
    from compatlib.stack import knowledge

    q = args.query
    if q == "min-driver":
        mode = "minor" if args.minor else "toolkit"
        floor = knowledge.driver_floor(args.cuda, os=args.os, compatibility=mode)
        data = {"cuda": args.cuda, "os": args.os, "compatibility": mode, "driver": floor.driver}
        _emit(args, data, floor.driver, floor.notes)
    elif q == "max-cuda":
        found = knowledge.driver_cuda(args.driver, os=args.os)
        data = {
            "driver": args.driver,
            "os": args.os,
            "cuda": found.newest_known,
            "newer_cuda_possible": found.beyond_data,
            "text": str(found),
        }
        _emit(args, data, str(found))
    elif q == "gpu":
        model = stack.gpu(args.name)
        info = {
            "name": model.name,
            "compute_capability": model.compute_capability,
            "architecture": model.architecture,
        }
        _emit(
            args,
            info,
            f"{model.name}: compute capability {model.compute_capability} ({model.architecture})",
        )
    elif q == "cuda-supports":
        ok = stack.cuda_supports(args.cuda, args.compute_capability)
        _emit(args, {"supported": ok}, "yes" if ok else "no")
    elif q == "can-run":
        arch = [a.strip() for a in args.arch_list.split(",") if a.strip()]
        ok = stack.can_run(arch, args.compute_capability)
        _emit(args, {"runs": ok}, "yes" if ok else "no")
    elif q == "glibc":
        glibc = stack.glibc_of(args.os)
        _emit(args, {"os": args.os, "glibc": glibc}, glibc)
    elif q == "build":
        b = stack.build(args.framework, args.version, args.variant)
        data = {
            "framework": b.framework,
            "version": b.version,
            "variant": b.variant,
            "cuda": b.cuda,
            "cudnn": b.cudnn,
            "python": b.python,
            "arch_list": list(b.arch_list),
            "min_glibc": b.min_glibc,
            "source": b.source,
        }
        text = "\n".join(f"{k}: {v}" for k, v in data.items() if v)
        if b.is_gpu:
            text += f"\nruns on: {b.describe_archs()}"
        _emit(args, data, text)
    elif q == "newest":
        # lazy: only run needs compatlib.stack.query, which loads 16 modules that importing this one does not
        from compatlib.stack.query import newest_report

        report = newest_report(args.framework, args.system, args.python, variant=args.variant)
        best = report.best
        lines = [f"newest that works: {best.label if best else 'none'}"]
        for v in report.rejected:
            lines.append(f"  not {v.label}: " + "; ".join(v.reasons))
        lines += [f"note: {n}" for n in report.notes]
        _emit(args, report.to_dict(), "\n".join(lines))
        return 0 if best is not None else 1
    elif q == "matrix":
        # lazy: only run needs compatlib.stack.matrix, which loads 15 modules that importing this one does not
        from compatlib.stack.matrix import matrix, render_markdown, render_text

        rows = matrix(args.framework)
        if args.json:
            print(json.dumps([r.__dict__ for r in rows], indent=2, sort_keys=True, default=str))
        else:
            print(render_markdown(rows) if args.markdown else render_text(rows))
        _stamp()
    elif q == "detect":
        p = stack.detect()
        _emit(args, p.to_dict(), _profile_text(p), p.notes)
    elif q == "presets":
        names = list(stack.presets())
        _emit(args, names, "\n".join(names))
    elif q == "system":
        p = stack.parse_system(args.spec)
        _emit(args, p.to_dict(), _profile_text(p), p.notes)
    return 0


def _profile_text(p: Any) -> str:
    lines = []
    for k, v in p.to_dict().items():
        if k == "gpus":
            v = ", ".join(f"{g.get('name', '?')} ({g['compute_capability']})" for g in v)
        lines.append(f"{k}: {v}")
    runs = p.driver_cuda()
    if p.cuda is None and runs is not None:
        lines.append(f"driver runs CUDA: {runs}")
    return "\n".join(lines) or "(nothing known)"
