"""What the Python server knows of each env id it serves (``EnvRegistration``) and the checks it
makes, before any env code runs, of what a client passes to ``make`` (kwargs) and ``reset``
(options): PROTOCOL.md section 4. Messages quote the client's values only through preview."""
from __future__ import annotations

import inspect
import math
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Tuple

from .errors import error_for
from .preview import preview

_MAX_INT = 2**53 - 1

#: name -> {"type": "number"|"integer"|"boolean"|"string"|"range", "default": ..., "description": ...}
Specs = Dict[str, Dict[str, Any]]


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def range_problem(value: Any) -> Optional[str]:
    """Why ``value`` is not a range kwarg (protocol 1.4: ``[low, high]``, two numbers, low <= high,
    ±inf allowed, no NaN), or None when it is one. Quotes the value only through preview."""
    if not isinstance(value, (list, tuple)) or len(value) != 2:
        return f"must be a [low, high] pair of numbers, got {preview(value)}"
    low, high = value
    if not (_is_number(low) and _is_number(high)):
        return f"must be a [low, high] pair of numbers, got [{preview(low)}, {preview(high)}]"
    if math.isnan(low) or math.isnan(high):
        return f"must not hold NaN, got [{low}, {high}]"
    if low > high:
        return f"must have low <= high, got [{low}, {high}]"
    return None


def as_range(value: Any) -> Tuple[float, float]:
    """A range kwarg as Python code takes one: a tuple of two floats (``range_problem`` is None)."""
    return (float(value[0]), float(value[1]))


@dataclass
class EnvRegistration:
    """One env id the server can make."""

    id: str
    factory: Callable[..., Any]
    max_episode_steps: Optional[int] = None
    reward_threshold: Optional[float] = None
    nondeterministic: bool = False
    #: What make() accepts, as KwargSpecs; None: read from the factory's keyword parameters that have defaults.
    kwargs: Optional[Specs] = None
    #: What list_envs reports as render_modes / render_fps; None: read from an instance (see render_info).
    render_modes: Optional[List[str]] = None
    render_fps: Optional[float] = None
    #: The keys the env's reset(options=...) reads, as ResetOptionSpecs (same fields as kwargs);
    #: None: it reads none. A declared option whose value is not of its type gets bad_request
    #: before the env sees it (so it neither reseeds nor resets); undeclared keys pass through.
    reset_options: Optional[Specs] = None

    def render_info(self, env: Any) -> Dict[str, Any]:
        """``render_modes`` and ``render_fps`` for list_envs. By default ``["rgb_array"]`` when the
        server's ``render`` works on this env — a Gymnasium env made with ``render_mode="rgb_array"``,
        or an env without ``render_mode`` that has a ``render()`` — and the fps of its metadata
        (null when it has none)."""
        modes = self.render_modes
        if modes is None:
            mode = getattr(env, "render_mode", None)
            has_render = callable(getattr(env, "render", None))
            modes = ["rgb_array"] if mode == "rgb_array" or (has_render and not hasattr(env, "render_mode")) else []
        fps = self.render_fps if self.render_fps is not None else (getattr(env, "metadata", None) or {}).get("render_fps")
        if not (isinstance(fps, (int, float)) and not isinstance(fps, bool) and math.isfinite(fps) and fps > 0):
            fps = None
        return {"render_modes": list(modes), "render_fps": fps}

    def kwarg_specs(self) -> Specs:
        if self.kwargs is not None:
            return self.kwargs
        specs: Specs = {}
        try:
            params = inspect.signature(self.factory).parameters.values()
        except (TypeError, ValueError):
            return specs
        for p in params:
            if p.kind not in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) or p.default is p.empty:
                continue
            d = p.default
            kind = (
                "range"
                if isinstance(d, tuple) and range_problem(d) is None
                else "boolean"
                if isinstance(d, bool)
                else "integer"
                if isinstance(d, int)
                else "number"
                if isinstance(d, float)
                else "string"
                if isinstance(d, str)
                else None
            )
            if kind is not None:
                specs[p.name] = {"type": kind, "default": as_range(d) if kind == "range" else d, "description": f"{p.name} of {self.id}"}
        return specs

    def reset_option_specs(self) -> Specs:
        return self.reset_options or {}


_BAD = object()


def _read_as(spec: Dict[str, Any], value: Any, numeric_strings: bool) -> Any:
    """``value`` read as the spec's type (an integral float as an integer, PROTOCOL.md section 1),
    or _BAD. null is a value only where the default is null."""
    if value is None:
        return None if spec.get("default") is None else _BAD
    t = spec["type"]
    if t == "range":
        return as_range(value) if range_problem(value) is None else _BAD
    if t == "boolean":
        return value if isinstance(value, bool) else _BAD
    if t == "string":
        return value if isinstance(value, str) else _BAD
    if isinstance(value, bool):
        # float(True) works, so an env reading a number with float() takes a boolean (Gymnasium's do).
        return value if t == "number" and numeric_strings else _BAD
    if t == "integer":
        if isinstance(value, float) and value.is_integer() and abs(value) <= _MAX_INT:
            return int(value)
        return value if isinstance(value, int) else _BAD
    if t == "number":
        if isinstance(value, (int, float)):
            return value if numeric_strings or math.isfinite(value) else _BAD
        if numeric_strings and isinstance(value, str) and len(value) <= 64:
            try:
                float(value)
                return value
            except ValueError:
                return _BAD
    return _BAD


def default_kwargs(specs: Specs) -> Dict[str, Any]:
    """Every kwarg at its default, as the env takes it (a range as a tuple of floats)."""
    return {k: as_range(s["default"]) if s["type"] == "range" and s["default"] is not None else s["default"] for k, s in specs.items()}


def check_kwargs(reg: EnvRegistration, given: Dict[str, Any]) -> Dict[str, Any]:
    """Every kwarg of ``reg`` after defaults, with ``given`` (from make) checked against the
    KwargSpecs: an unknown name, or a value not of its type (an integer must be integral, a number
    finite), is invalid_kwargs."""
    specs = reg.kwarg_specs()
    full = default_kwargs(specs)
    for name, value in given.items():
        if name not in specs:
            raise error_for("invalid_kwargs", f"{reg.id} does not accept kwarg {preview(name)} (accepted: {', '.join(specs) or 'none'})")
        read = _read_as(specs[name], value, numeric_strings=False)
        if read is _BAD and specs[name]["type"] == "range" and value is not None:
            raise error_for("invalid_kwargs", f"{reg.id}: kwarg {preview(name)} {range_problem(value)}")
        if read is _BAD:
            raise error_for("invalid_kwargs", f"{reg.id}: kwarg {preview(name)} must be a {specs[name]['type']}, got {preview(value)}")
        full[name] = read
    return full


def check_reset_options(specs: Specs, options: Optional[Dict[str, Any]]) -> Optional[Dict[str, Any]]:
    """``options`` for the env's reset, with every declared key checked against its
    ResetOptionSpec: a value the env cannot read as its type is bad_request. A number is what
    ``float()`` reads (as Gymnasium's classic_control.utils.verify_number_and_cast): any msgpack
    number, a boolean or a numeric string. Undeclared keys pass through untouched."""
    if not options or not specs:
        return options
    out = options
    for name, spec in specs.items():
        if name not in options:
            continue
        value = options[name]
        read = _read_as(spec, value, numeric_strings=True)
        if read is _BAD:
            raise error_for("bad_request", f"reset option {preview(name)} must be a {spec['type']}, got {preview(value)}", {"option": name})
        if read is not value:
            out = dict(out) if out is options else out
            out[name] = read
    return out
