"""Gymnasium's registry as EnvRegistrations: what ``python3 -m gymwire serve ID ...`` serves.

Nothing here is a hand-written table; each id's entry in ``list_envs`` is read from Gymnasium:

- ``kwargs``: the keyword parameters of the env's entry point (``inspect.signature``, annotations
  evaluated), with the registered ``spec.kwargs`` as their defaults. A parameter's type is its
  annotation when that is ``bool``, ``int``, ``float``, ``str`` (or one of them ``| None``, or a
  ``Literal`` of strings) or ``tuple[float, float]`` (a range, protocol 1.4: MuJoCo's
  ``healthy_z_range = (0.7, inf)``), else its default's type (an unannotated integer default is
  read as a number: Python code writes ``goal_velocity=0`` for a float; an unannotated tuple of
  two numbers, low <= high, as a range). Anything else — a callable, an object, a list, another
  tuple, an unannotated ``None`` — has no KwargSpec: it is left out (the env
  keeps its default or registered value), and ``left_out`` says why. ``render_mode`` and
  ``max_episode_steps`` are the server's: never kwargs of the env.
- ``max_episode_steps``, ``reward_threshold``, ``nondeterministic``: the spec's.
- ``render_modes``/``render_fps``: ``["rgb_array"]`` when the entry point's metadata lists it and
  a frame can be rendered here (pygame installed: one env is made, reset and rendered), and
  ``metadata["render_fps"]``.
- ``reset_options``: the keys the env's ``reset`` reads from ``options``, found in its source:
  ``options.get("k", d)``, ``options["k"]``, ``"k" in options``, ``options.get("k") if "k" in
  options else d`` — also in a function ``reset`` hands ``options`` to, one call deep, with that
  call's arguments bound (classic control's ``utils.maybe_parse_reset_bounds(options, -0.05, 0.05)``
  gives ``low``/``high``). The type comes from the default (a number for any int or float);
  a key whose default cannot be read without running code is left out, and said so.

An id Gymnasium cannot make here (a dependency missing, a bad entry point) raises
``Unservable`` with the reason; so does one whose spaces have no gymwire form (the protocol has
Box, Discrete, MultiDiscrete, MultiBinary, Tuple and Dict; not Text, Graph, Sequence, OneOf),
with ``registration`` still set so it can be served and refused at ``make`` with ``unsupported``.
"""
from __future__ import annotations

import ast
import importlib
import inspect
import math
import numbers
import re
import textwrap
import typing
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional, Tuple

from .errors import GymwireError
from .registration import EnvRegistration, Specs, as_range, range_problem
from .spaces import space_to_wire

__all__ = ["Introspected", "Unservable", "introspect", "registry_ids"]

_SCALARS = {bool: "boolean", int: "integer", float: "number", str: "string"}
_UNKNOWN = object()


class Unservable(Exception):
    """An id that cannot be served here: ``reason`` says why; ``registration`` is set when the env
    can be made but a space has no gymwire form (``make`` then answers ``unsupported``)."""

    def __init__(self, env_id: str, reason: str, registration: Optional[EnvRegistration] = None):
        super().__init__(f"{env_id}: {reason}")
        self.env_id = env_id
        self.reason = reason
        self.registration = registration


@dataclass
class Introspected:
    """An id's EnvRegistration and what introspection could not express: ``left_out`` maps a
    constructor kwarg or a reset option to why it is not in ``list_envs``; ``notes`` are other
    remarks (render)."""

    registration: EnvRegistration
    left_out: Dict[str, str] = field(default_factory=dict)
    notes: List[str] = field(default_factory=list)


def _gym() -> Any:
    import gymnasium

    return gymnasium


def registry_ids() -> List[str]:
    """Every id in Gymnasium's registry, in registration order."""
    return list(_gym().registry)


def _creator(spec: Any) -> Callable[..., Any]:
    ep = spec.entry_point
    if callable(ep):
        return ep
    from gymnasium.envs.registration import load_env_creator

    return load_env_creator(ep)


# ---- kwargs ---------------------------------------------------------------------------------


_RANGE_TEXT = re.compile(r"(typing\.)?[Tt]uple\[\s*(float|int)\s*,\s*(float|int)\s*\]")


def _kind_of_annotation(ann: Any) -> Tuple[Optional[str], bool]:
    """(KwargSpec type, whether None is allowed) for an annotation; type None: not expressible."""
    if isinstance(ann, str):  # unevaluated: read the common spellings
        if _RANGE_TEXT.fullmatch(ann.strip()):
            return "range", False
        parts = [p.strip() for p in ann.replace("Optional[", "").rstrip("]").split("|")]
        nullable = "None" in parts or ann.startswith("Optional[")
        names = [p for p in parts if p != "None"]
        kinds = {{"bool": "boolean", "int": "integer", "float": "number", "str": "string"}.get(n) for n in names}
        return _merge_kinds(kinds), nullable
    if ann in _SCALARS:
        return _SCALARS[ann], False
    origin = typing.get_origin(ann)
    args = typing.get_args(ann)
    if origin is typing.Literal:
        return ("string" if args and all(isinstance(a, str) for a in args) else None), False
    if origin is tuple:
        return ("range" if len(args) == 2 and all(a in (float, int) for a in args) else None), False
    if origin is typing.Union or type(ann).__name__ == "UnionType":
        none = type(None)
        nullable = none in args
        kinds = {_kind_of_annotation(a)[0] for a in args if a is not none}
        return _merge_kinds(kinds), nullable
    return None, False


def _merge_kinds(kinds: set) -> Optional[str]:
    if None in kinds or not kinds:
        return None
    if kinds <= {"integer", "number"}:
        return "number" if "number" in kinds else "integer"
    return kinds.pop() if len(kinds) == 1 else None


def _kind_of_value(v: Any) -> Optional[str]:
    if isinstance(v, tuple):
        return "range" if range_problem(v) is None else None
    if isinstance(v, bool):
        return "boolean"
    if isinstance(v, numbers.Real) and not isinstance(v, bool):
        return "number" if math.isfinite(float(v)) else None
    if isinstance(v, str):
        return "string"
    return None


def _plain(v: Any) -> Any:
    """A default as msgpack carries it (numpy scalars to Python numbers)."""
    if isinstance(v, bool) or v is None or isinstance(v, str):
        return v
    if isinstance(v, tuple):
        return as_range(v)
    if isinstance(v, numbers.Integral):
        return int(v)
    return float(v)


def _kwargs(env_id: str, creator: Callable[..., Any], registered: Dict[str, Any]) -> Tuple[Specs, Dict[str, str]]:
    specs: Specs = {}
    left_out: Dict[str, str] = {}
    try:
        try:
            params = dict(inspect.signature(creator, eval_str=True).parameters)
        except TypeError:  # Python < 3.10 has no eval_str
            params = dict(inspect.signature(creator).parameters)
        except NameError:  # an annotation that does not evaluate: read it as written
            params = dict(inspect.signature(creator).parameters)
    except (TypeError, ValueError):
        params = {}
    owner = getattr(creator, "__qualname__", repr(creator))
    names = [n for n, p in params.items() if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]
    names += [n for n in registered if n not in params]  # passed through **kwargs
    for name in names:
        if name in ("render_mode", "max_episode_steps"):  # the server's: the render mode, and make's TimeLimit override
            continue
        p = params.get(name)
        has_default = name in registered or (p is not None and p.default is not p.empty)
        if not has_default:
            left_out[name] = "a required parameter with no registered value"
            continue
        default = registered[name] if name in registered else p.default  # type: ignore[union-attr]
        ann = p.annotation if p is not None and p.annotation is not p.empty else None
        if ann is not None:
            kind, nullable = _kind_of_annotation(ann)
            if kind is None:
                left_out[name] = f"of type {_ann_text(ann)}, which has no KwargSpec type (number, integer, boolean, string, range)"
                continue
            if default is None and not nullable:
                left_out[name] = f"annotated {_ann_text(ann)} with default None"
                continue
            if default is not None and (_kind_of_value(default) is None or (kind == "range") != (_kind_of_value(default) == "range")):
                left_out[name] = f"its default {default!r} is not a {kind}"
                continue
        else:
            kind = _kind_of_value(default)
            if kind is None:
                what = "None, with no annotation to say its type" if default is None else f"a {type(default).__name__}"
                left_out[name] = f"its default is {what}: no KwargSpec type (number, integer, boolean, string, range)"
                continue
        if kind == "integer" and isinstance(default, float) and not default.is_integer():
            kind = "number"
        origin = "registered for this id" if name in registered else "the constructor's default"
        specs[name] = {"type": kind, "default": _plain(default), "description": f"{name} of {owner} ({origin}: {_plain(default)!r})"}
    return specs, left_out


def _ann_text(ann: Any) -> str:
    return ann if isinstance(ann, str) else getattr(ann, "__name__", None) if isinstance(ann, type) else str(ann).replace("typing.", "")


# ---- reset options --------------------------------------------------------------------------


def _reset_options(env: Any) -> Tuple[Specs, Dict[str, str], Optional[str]]:
    """The keys ``type(env).reset`` reads from ``options`` (module docstring), their specs, the
    keys left out with why, and a note when the source could not be read."""
    fn = getattr(type(env), "reset", None)
    if fn is None:
        return {}, {}, None
    found: Dict[str, Tuple[Any, str]] = {}
    try:
        _scan_reads(fn, "options", {}, found, 0, f"{type(env).__name__}.reset")
    except (OSError, TypeError, SyntaxError, IndexError) as e:
        return {}, {}, f"reset options: the source of {type(env).__name__}.reset could not be read ({e}); none declared"
    specs: Specs = {}
    left_out: Dict[str, str] = {}
    for key, (default, where) in found.items():
        kind = None if default is _UNKNOWN or default is None else _kind_of_value(default)
        if kind is None:
            left_out[f"reset option {key}"] = f"read by {where}, with a default that is not a number, boolean or string in its source"
            continue
        if kind == "integer":
            kind = "number"
        specs[key] = {
            "type": kind,
            "default": _plain(default),
            "description": f"options[{key!r}], read by {where} (default {_plain(default)!r})",
        }
    return specs, left_out, None


def _scan_reads(fn: Any, var: str, bound: Dict[str, Any], found: Dict[str, Tuple[Any, str]], depth: int, where: str) -> None:
    fn = inspect.unwrap(fn)
    tree = ast.parse(textwrap.dedent(inspect.getsource(fn)))
    scope = getattr(fn, "__globals__", {})

    def value(node: Optional[ast.AST]) -> Any:
        if node is None:
            return _UNKNOWN
        try:
            return ast.literal_eval(node)
        except (ValueError, SyntaxError, TypeError):
            pass
        if isinstance(node, ast.Name) and node.id in bound:
            return bound[node.id]
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
            v = value(node.operand)
            return -v if isinstance(v, numbers.Real) and not isinstance(v, bool) else _UNKNOWN
        if _is_dotted(node):  # a module constant (DEFAULT_X, np.pi): looked up, never called
            try:
                return eval(compile(ast.Expression(node), "<default>", "eval"), dict(scope))  # noqa: S307 - names only
            except Exception:  # noqa: BLE001
                return _UNKNOWN
        return _UNKNOWN

    def note(key: str, default: Any) -> None:
        if key not in found or (found[key][0] is _UNKNOWN and default is not _UNKNOWN):
            found[key] = (default, where)

    def is_var(node: ast.AST) -> bool:
        return isinstance(node, ast.Name) and node.id == var

    def key_in(node: ast.AST) -> Optional[str]:
        if (
            isinstance(node, ast.Compare)
            and len(node.ops) == 1
            and isinstance(node.ops[0], ast.In)
            and is_var(node.comparators[0])
            and isinstance(node.left, ast.Constant)
            and isinstance(node.left.value, str)
        ):
            return node.left.value
        return None

    for node in ast.walk(tree):
        if isinstance(node, ast.IfExp) and key_in(node.test) is not None:
            note(key_in(node.test), value(node.orelse))  # type: ignore[arg-type]
        elif key_in(node) is not None:
            note(key_in(node), _UNKNOWN)  # type: ignore[arg-type]
        elif isinstance(node, ast.Subscript) and is_var(node.value):
            sl = node.slice
            sl = getattr(sl, "value", sl) if type(sl).__name__ == "Index" else sl
            if isinstance(sl, ast.Constant) and isinstance(sl.value, str):
                note(sl.value, _UNKNOWN)
        elif isinstance(node, ast.Call):
            f = node.func
            if isinstance(f, ast.Attribute) and f.attr == "get" and is_var(f.value) and node.args:
                if isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str):
                    note(node.args[0].value, value(node.args[1]) if len(node.args) > 1 else _UNKNOWN)
            elif depth == 0 and _is_dotted(f) and any(is_var(a) for a in node.args):
                _scan_callee(f, node, scope, value, is_var, found, where)


def _scan_callee(f: ast.AST, call: ast.Call, scope: Dict[str, Any], value: Any, is_var: Any, found: Dict[str, Any], where: str) -> None:
    """``options`` handed to another function: read that one with the call's arguments bound."""
    try:
        callee = eval(compile(ast.Expression(f), "<callee>", "eval"), dict(scope))  # noqa: S307 - names only
    except Exception:  # noqa: BLE001 - e.g. self.helper: not followed
        return
    if not inspect.isfunction(callee):
        return
    params = [n for n, p in inspect.signature(callee).parameters.items() if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    bound: Dict[str, Any] = {}
    var = None
    for name, arg in zip(params, call.args):
        if is_var(arg):
            var = name
        else:
            bound[name] = value(arg)
    for kw in call.keywords:
        if kw.arg is not None:
            if is_var(kw.value):
                var = kw.arg
            else:
                bound[kw.arg] = value(kw.value)
    if var is not None:
        _scan_reads(callee, var, bound, found, 1, f"{where} through {callee.__qualname__}")


def _is_dotted(node: ast.AST) -> bool:
    while isinstance(node, ast.Attribute):
        node = node.value
    return isinstance(node, ast.Name)


# ---- one id ---------------------------------------------------------------------------------


def _render_probe(make: Callable[..., Any]) -> Optional[str]:
    """Why an env made with render_mode="rgb_array" cannot give a frame here, or None."""
    env = None
    try:
        env = make(render_mode="rgb_array")
        env.reset(seed=0)
        frame = env.render()
        shape = getattr(frame, "shape", None)
        if shape is None or len(shape) != 3 or shape[2] != 3:
            return f"render() gave {type(frame).__name__} of shape {shape}, not (height, width, 3)"
        return None
    except Exception as e:  # noqa: BLE001 - e.g. DependencyNotInstalled: pygame
        return f"{type(e).__name__}: {e}".strip().splitlines()[0]
    finally:
        if env is not None:
            try:
                env.close()
            except Exception:  # noqa: BLE001
                pass


def introspect(env_id: str, render: bool = True) -> Introspected:
    """The EnvRegistration that serves Gymnasium's ``env_id`` (``module:ID`` imports ``module``
    first, as ``gymnasium.make`` does; the id served is the spec's, without the module). One env
    is made with the default kwargs to check it can be made here and that its spaces go on the
    wire; raises Unservable otherwise. ``render=False`` skips the render probe (no render modes)."""
    gym = _gym()
    try:
        # "module:ID": import the module, which registers ID (gymnasium.make's rule; gymnasium.spec has none).
        module, _, name = env_id.rpartition(":")
        if module:
            importlib.import_module(module)
        spec = gym.spec(name)
    except Exception as e:  # noqa: BLE001 - not registered, or its module:ID module missing
        raise Unservable(env_id, f"not in Gymnasium's registry: {type(e).__name__}: {e}".splitlines()[0]) from e
    try:
        creator = _creator(spec)
    except Exception as e:  # noqa: BLE001 - the entry point's module needs what is not installed (Box2D, jax)
        raise Unservable(spec.id, f"cannot be made here: {type(e).__name__}: {e}".splitlines()[0]) from e
    served_id = spec.id
    registered = dict(spec.kwargs or {})
    render_mode_given = registered.pop("render_mode", None)
    kwargs, left_out = _kwargs(served_id, creator, registered)

    def make(render_mode: Optional[str] = None, **kw: Any) -> Any:
        # max_episode_steps=-1: no TimeLimit (the server adds its own); no env checker; the
        # registered wrappers stay, gymnasium.make's OrderEnforcing goes (the server enforces it).
        mode = render_mode or render_mode_given
        if mode is not None:  # only when wanted: an env without a render_mode parameter is made without one
            kw["render_mode"] = mode
        env = gym.make(served_id, max_episode_steps=-1, disable_env_checker=True, **kw)
        while isinstance(env, gym.wrappers.OrderEnforcing):
            env = env.env
        return env

    notes: List[str] = []
    try:
        probe = make()
    except Exception as e:  # noqa: BLE001 - e.g. DependencyNotInstalled (Box2D, MuJoCo, jax)
        raise Unservable(served_id, f"cannot be made here: {type(e).__name__}: {e}".splitlines()[0]) from e
    try:
        reset_options, skipped_options, note = _reset_options(probe.unwrapped)
        left_out.update(skipped_options)
        if note:
            notes.append(note)
        metadata = getattr(probe, "metadata", None) or {}
        wire_error = None
        for which in ("observation", "action"):
            space = getattr(probe, f"{which}_space")
            try:
                space_to_wire(space)
            except GymwireError as e:
                wire_error = f"its {which} space {space!r} has no gymwire form ({e.message})"
                break
    finally:
        try:
            probe.close()
        except Exception:  # noqa: BLE001
            pass
    render_mode = None
    if render and "rgb_array" in (metadata.get("render_modes") or []) and wire_error is None:
        why = _render_probe(make)
        if why is None:
            render_mode = "rgb_array"
        else:
            notes.append(f"no render modes: rendering rgb_array failed here ({why})")

    def factory(**kw: Any) -> Any:
        return make(render_mode, **kw)

    factory.__qualname__ = factory.__name__ = f"make_{served_id}"
    reg = EnvRegistration(
        served_id,
        factory,
        max_episode_steps=spec.max_episode_steps,
        reward_threshold=spec.reward_threshold,
        nondeterministic=bool(spec.nondeterministic),
        kwargs=kwargs,
        render_modes=["rgb_array"] if render_mode else [],
        reset_options=reset_options,
    )
    if wire_error is not None:
        raise Unservable(served_id, wire_error, reg)
    return Introspected(reg, left_out, notes)
