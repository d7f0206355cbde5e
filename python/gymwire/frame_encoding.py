"""Frame encodings of protocol 1.3 (PROTOCOL.md section 4, render): how a rendered frame's bytes
travel. ``raw`` is height x width x 3 RGB bytes; ``zlib`` those bytes as one zlib stream; ``png``
a PNG file. The server offers all three; the client asks for zlib (stdlib to inflate) and hands
Gymnasium users the usual (height, width, 3) uint8 array, so nothing changes for them."""

import struct
import zlib
from typing import Any, Dict, Iterable

from .errors import error_for

ENCODINGS = ("raw", "zlib", "png")

# deflate level 1: frames go out at render_fps to every viewer; flat-coloured env frames shrink
# about a hundredfold even so, and the stronger levels cost several times more.
_LEVEL = 1
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)


def encode_png(data: bytes, width: int, height: int) -> bytes:
    """An 8-bit RGB PNG of ``data`` (height x width x 3 bytes): every row with filter none."""
    stride = width * 3
    rows = b"".join(b"\x00" + data[y * stride : (y + 1) * stride] for y in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return _PNG_SIGNATURE + _png_chunk(b"IHDR", header) + _png_chunk(b"IDAT", zlib.compress(rows, _LEVEL)) + _png_chunk(b"IEND", b"")


def encode_frame(data: bytes, width: int, height: int, encoding: str) -> bytes:
    """``data`` (raw RGB bytes) in ``encoding``, one of ENCODINGS."""
    if encoding == "zlib":
        return zlib.compress(data, _LEVEL)
    if encoding == "png":
        return encode_png(data, width, height)
    return data


def check_encoding(encoding: Any) -> str:
    """The encoding a render request asks for (absent: raw); one not offered is ``unsupported``."""
    if encoding is None:
        return "raw"
    if encoding not in ENCODINGS:
        raise error_for(
            "unsupported",
            f"render encoding {encoding!r}: this server offers {', '.join(ENCODINGS)}",
            {"encoding": encoding, "render_encodings": list(ENCODINGS)},
        )
    return encoding


def pick_encoding(hello: Dict[str, Any], preferred: Iterable[str]) -> str:
    """The first of ``preferred`` the server lists at hello (a server before 1.3 lists none: raw)."""
    offered = hello.get("render_encodings") if isinstance(hello, dict) else None
    if not isinstance(offered, list):
        return "raw"
    return next((e for e in preferred if e in offered), "raw")


def decode_frame(frame: Dict[str, Any]) -> bytes:
    """The raw RGB bytes of a render result's frame (raw or zlib); anything that does not decode to
    height x width x 3 bytes raises InternalError."""
    width, height = frame["width"], frame["height"]
    expected = width * height * 3
    encoding = frame.get("encoding", "raw")
    data = bytes(frame["data"])
    if encoding == "zlib":
        inflater = zlib.decompressobj()
        try:
            # Bounded: a stream that would inflate past the frame's size is refused, not buffered.
            data = inflater.decompress(data, expected + 1)
        except zlib.error as e:
            raise error_for("internal", f"render: a zlib frame of {width}x{height} did not inflate: {e}") from e
        if not inflater.eof:
            raise error_for("internal", f"render: a zlib frame of {width}x{height} did not inflate to {expected} bytes")
    elif encoding != "raw":
        raise error_for("internal", f"render: this client decodes raw and zlib frames, not {encoding!r}")
    if len(data) != expected:
        raise error_for("internal", f"render: a {width}x{height} frame holds {len(data)} bytes, not {expected}")
    return data
