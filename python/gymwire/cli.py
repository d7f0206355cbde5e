"""``python3 -m gymwire COMMAND``: the package's commands. ``serve`` serves envs of Gymnasium's
registry (gymnasium_registry.py) with the Python server (server.py); also the console script
``gymwire-serve``."""
from __future__ import annotations

import argparse
import re
import sys
from typing import Any, Dict, List, Optional, Sequence

from .server import serve

_UNITS = {"": 1, "KIB": 1024, "MIB": 1024**2, "GIB": 1024**3}

#: The server's limits as flags (EnvServer's keywords; flag names as the Node server's CLI).
LIMIT_FLAGS = [
    ("max-payload", "max_payload_bytes", "bytes", "largest frame read (close 1009 past it)", "4MiB"),
    ("max-envs", "max_envs", "int", "most envs open at once on one connection", "64"),
    ("max-num-envs", "max_num_envs", "int", "most sub-envs in one vector env, and env instances on one connection", "1024"),
    ("max-env-instances", "max_env_instances", "int", "most env instances open on all connections together", "4096"),
    ("max-connections", "max_connections", "int", "most open connections (close 1013 past it)", "256"),
    ("max-connections-per-address", "max_connections_per_address", "int", "most open connections from one address", "64"),
    ("max-upgrading-per-address", "max_upgrading_per_address", "int", "most sockets of one address before or in their upgrade", "16"),
    ("frame-budget", "frame_budget_bytes", "bytes", "bytes of frames held for all connections together", "64MiB"),
    ("upgrade-timeout", "upgrade_timeout", "seconds", "seconds a socket has to send its upgrade request (0 = never)", "5"),
    ("hello-timeout", "hello_timeout", "seconds", "seconds a connection has to send hello (0 = never)", "5"),
    ("idle-timeout", "idle_timeout", "seconds", "seconds without a frame before a connection is closed (0 = never)", "600"),
]


def _parse(kind: str, flag: str, text: str) -> Any:
    if kind == "bytes":
        m = re.fullmatch(r"(\d+)\s*([KMG]iB)?", text.strip(), re.IGNORECASE)
        if not m:
            raise argparse.ArgumentTypeError(f"--{flag} must be a number of bytes (may end in KiB, MiB, GiB), got {text!r}")
        return int(m.group(1)) * _UNITS[(m.group(2) or "").upper()]
    if kind == "int":
        if not re.fullmatch(r"\d+", text.strip()):
            raise argparse.ArgumentTypeError(f"--{flag} must be a positive integer, got {text!r}")
        return int(text)
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not (0 <= value < float("inf")):
        raise argparse.ArgumentTypeError(f"--{flag} must be a number of seconds >= 0, got {text!r}")
    return value


def _serve_parser(prog: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog=prog,
        description=(
            "Serve envs of Gymnasium's registry over gymwire (protocol/PROTOCOL.md). Each id's make kwargs, episode limit, "
            "reward threshold, render modes and reset options are read from Gymnasium (its spec, the env's constructor "
            "signature, metadata and reset source); kwargs that take an object, a list or a callable are left out (said on "
            "standard error). Prints 'gymwire env server listening on ws://HOST:PORT' once it accepts connections."
        ),
    )
    p.add_argument(
        "ids",
        nargs="*",
        metavar="ID",
        help="Gymnasium env ids (CartPole-v1); MODULE:ID imports MODULE first, which registers ID, as gymnasium.make does",
    )
    p.add_argument(
        "--all",
        action="store_true",
        help="also serve every id of Gymnasium's registry that can be made here; the others are skipped, each with its reason",
    )
    p.add_argument("--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8765, help="TCP port, 0 for any free one (default 8765)")
    p.add_argument(
        "--token", default=None, help="clients must present this token, at least 16 characters (default: env GYMWIRE_TOKEN, else none)"
    )
    p.add_argument(
        "--allow-origin",
        action="append",
        default=None,
        metavar="ORIGIN",
        help="a browser origin allowed to connect, or '*'; repeatable (default: env GYMWIRE_ALLOW_ORIGIN, comma-separated)",
    )
    p.add_argument("--no-render", action="store_true", help="serve no render modes (skips making one env per id to try rendering)")
    limits = p.add_argument_group("limits (protocol/PROTOCOL.md section 8; byte sizes may end in KiB, MiB, GiB)")
    for flag, dest, kind, text, default in LIMIT_FLAGS:
        limits.add_argument(
            f"--{flag}",
            dest=dest,
            metavar="N",
            default=None,
            type=lambda s, k=kind, f=flag: _parse(k, f, s),
            help=f"{text} (default {default})",
        )
    return p


def _say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def registrations_for(ids: Sequence[str], all_ids: bool = False, render: bool = True, say: Any = _say) -> Optional[List[Any]]:
    """The EnvRegistrations ``serve`` serves for ``ids`` (and with ``all_ids`` every id of the
    registry that can be made), saying on ``say`` what is skipped or left out; None when an id
    named in ``ids`` cannot be served at all (not registered, cannot be made here)."""
    from .gymnasium_registry import Unservable, introspect, registry_ids

    regs: Dict[str, Any] = {}
    failed = False
    named = list(ids)
    for env_id in named + ([i for i in registry_ids() if i not in named] if all_ids else []):
        explicit = env_id in named
        try:
            found = introspect(env_id, render=render)
        except Unservable as e:
            if explicit and e.registration is not None:
                say(f"{e.env_id}: served, but make answers unsupported: {e.reason}")
                regs.setdefault(e.env_id, e.registration)
            elif explicit:
                say(f"cannot serve {env_id}: {e.reason}")
                failed = True
            else:
                say(f"skipped {e.env_id}: {e.reason}")
            continue
        reg = found.registration
        if reg.id in regs:
            continue
        regs[reg.id] = reg
        for name, why in found.left_out.items():
            say(f"{reg.id}: {name if name.startswith('reset option') else 'kwarg ' + name} left out: {why}")
        for note in found.notes:
            say(f"{reg.id}: {note}")
    return None if failed else list(regs.values())


def serve_main(argv: Optional[Sequence[str]] = None, prog: str = "gymwire-serve") -> int:
    args = _serve_parser(prog).parse_args(argv)
    if not args.ids and not args.all:
        _serve_parser(prog).error("name env ids to serve, or --all")
    try:
        import gymnasium  # noqa: F401
    except ImportError:
        _say(f"{prog}: serving Gymnasium's envs needs gymnasium (pip install gymnasium)")
        return 2
    regs = registrations_for(args.ids, args.all, render=not args.no_render)
    if regs is None:
        return 2
    if not regs:
        _say(f"{prog}: no env can be served")
        return 2
    _say(f"serving {len(regs)} env ids: {', '.join(r.id for r in regs)}")
    options = {dest: getattr(args, dest) for _, dest, *_ in LIMIT_FLAGS if getattr(args, dest) is not None}
    if args.allow_origin is not None:
        options["allowed_origins"] = args.allow_origin
    try:
        serve(regs, host=args.host, port=args.port, token=args.token, **options)
    except (ValueError, OSError) as e:  # a bad limit or token, the port taken
        _say(f"{prog}: {e}")
        return 2
    return 0


COMMANDS = {"serve": (serve_main, "serve Gymnasium env ids (or --all) over gymwire")}


def main(argv: Optional[Sequence[str]] = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    usage = "usage: python3 -m gymwire COMMAND [ARGS]\n\ncommands:\n" + "\n".join(f"  {n:<8} {h}" for n, (_, h) in COMMANDS.items())
    usage += "\n\n'python3 -m gymwire COMMAND --help' describes a command."
    if not argv or argv[0] in ("-h", "--help"):
        print(usage)
        return 0 if argv else 2
    command = COMMANDS.get(argv[0])
    if command is None:
        print(f"unknown command {argv[0]!r}\n\n{usage}", file=sys.stderr)
        return 2
    return command[0](argv[1:], prog=f"python3 -m gymwire {argv[0]}")
