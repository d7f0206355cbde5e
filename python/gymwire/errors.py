"""The protocol's errors (PROTOCOL.md section 7): one exception class per error code.

Every error a gymwire call raises is a ``GymwireError``; its ``code`` is the protocol's code
and its class is the subclass for that code, so callers can write either
``except InvalidActionError`` or ``except GymwireError as e: if e.code == "invalid_action"``.
A code this package does not know (a newer server's) is raised as ``InternalError`` keeping
the server's code, as the protocol asks clients to treat unknown codes like ``internal``.
"""
from __future__ import annotations

from typing import Any, Dict, Type


class GymwireError(Exception):
    """A protocol error: ``code`` (PROTOCOL.md section 7), ``message`` for humans, ``details`` or None."""

    code = "internal"

    def __init__(self, code: str, message: str, details: Any = None):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.details = details

    def to_body(self) -> Dict[str, Any]:
        """The wire form, ``{code, message, details?}``."""
        body: Dict[str, Any] = {"code": self.code, "message": self.message}
        if self.details is not None:
            body["details"] = self.details
        return body

    def __reduce__(self) -> Any:
        # Picklable (AsyncVectorEnv sends worker errors to the parent): rebuild through the factory.
        return (error_for, (self.code, self.message, self.details))


class _CodedError(GymwireError):
    def __init__(self, message: str, details: Any = None):
        super().__init__(type(self).code, message, details)


class BadRequestError(_CodedError):
    """The server could not read a request (not msgpack, schema violation, text frame, bad reset option)."""

    code = "bad_request"


class VersionMismatchError(_CodedError):
    """The server speaks another protocol major version (``details["server_protocol_version"]``)."""

    code = "version_mismatch"


class NotReadyError(_CodedError):
    """A request before a successful hello."""

    code = "not_ready"


class UnknownEnvError(_CodedError):
    """``make`` with an env id the server does not have."""

    code = "unknown_env"


class InvalidKwargsError(_CodedError):
    """``make`` with a kwarg the env does not accept, of the wrong type, or rejected by the env."""

    code = "invalid_kwargs"


class UnknownHandleError(_CodedError):
    """No open env has that handle on this connection."""

    code = "unknown_handle"


class InvalidActionError(_CodedError):
    """An action not in the action space (``details["path"]``; ``details["env_index"]`` for vector envs)."""

    code = "invalid_action"


class ResetNeededError(_CodedError):
    """``step`` before the first ``reset``."""

    code = "reset_needed"


class EnvBrokenError(_CodedError):
    """The env raised earlier; close it and make a new one."""

    code = "env_broken"


class LimitExceededError(_CodedError):
    """A server limit was reached (``details`` names it, e.g. ``max_envs``)."""

    code = "limit_exceeded"


class UnauthorizedError(_CodedError):
    """The server refused the connection at the upgrade (HTTP 401/403): missing or wrong token."""

    code = "unauthorized"


class UnsupportedError(_CodedError):
    """An unknown op, or a feature this server or env lacks (vector envs, render, ...)."""

    code = "unsupported"


class InternalError(_CodedError):
    """The env or the server failed (the env that raised is now broken); also any unknown code."""

    code = "internal"


class ConnectionLostError(_CodedError):
    """Client side only: the connection ended before the answer, or the env died with a dropped
    connection. ``details["interrupted"]``: the call's episode was cut; ``details["reconnecting"]``:
    the next ``reset()`` (or request) re-opens the connection."""

    code = "connection_lost"


ERROR_CLASSES: Dict[str, Type[_CodedError]] = {
    cls.code: cls
    for cls in (
        BadRequestError,
        VersionMismatchError,
        NotReadyError,
        UnknownEnvError,
        InvalidKwargsError,
        UnknownHandleError,
        InvalidActionError,
        ResetNeededError,
        EnvBrokenError,
        LimitExceededError,
        UnauthorizedError,
        UnsupportedError,
        InternalError,
        ConnectionLostError,
    )
}

ERROR_CODES = tuple(ERROR_CLASSES)


def error_for(code: str, message: str, details: Any = None) -> GymwireError:
    """The exception of ``code``'s class; an unknown code gives an InternalError that keeps it."""
    cls = ERROR_CLASSES.get(code)
    if cls is not None:
        return cls(message, details)
    error = InternalError(message, details)
    error.code = code
    error.args = (f"{code}: {message}",)
    return error


def error_from_body(body: Any) -> GymwireError:
    """The exception for an error body ``{code, message, details?}`` a server sent."""
    if not isinstance(body, dict):
        return InternalError(f"the server sent an unreadable error: {body!r}")
    code = body.get("code")
    message = body.get("message")
    return error_for(code if isinstance(code, str) else "internal", message if isinstance(message, str) else "", body.get("details"))


def connection_lost(message: str, interrupted: bool = False, reconnecting: bool = False) -> ConnectionLostError:
    return ConnectionLostError(message, {"interrupted": interrupted, "reconnecting": reconnecting})


__all__ = ["ERROR_CLASSES", "ERROR_CODES", "GymwireError", "error_for", "error_from_body", *(c.__name__ for c in ERROR_CLASSES.values())]
