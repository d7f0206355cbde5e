"""The Python server (EnvServer, python/gymwire/server.py) and protocol 1.2, below what the
conformance suite checks: the byte scan, its fast path and the refused frame's id; bounded
previews of client values; ids; reset options checked before the env runs; integral floats;
NDArray extra fields; Box bounds on the wire; and every stage contained, so that neither a
client nor an env leaves a frame unanswered. (python.test.ts runs the conformance suite and
the hostile frames of issue 10 against a server process.)"""
from __future__ import annotations

import math
import random
import struct
import time
import unittest
import zlib
from typing import Any, Dict, List

import msgpack
import numpy as np
import support  # noqa: F401 - puts the package on sys.path
from support import ThreadedServer

from gymwire import EnvRegistration, msgpack_scan, server_request, wire
from gymwire.errors import InternalError
from gymwire.frame_encoding import decode_frame
from gymwire.msgpack_scan import MAX_DEPTH, MAX_VALUES, is_plain_step, peek_id, scan_frame
from gymwire.preview import clip, preview, preview_list
from gymwire.spaces import Box, Discrete
from gymwire.websocket import WebSocket

MAX_ID = 2**53 - 1


def decode_png(png: bytes) -> Any:
    """(width, height, RGB bytes) of an 8-bit RGB PNG whose rows all use filter none, read
    independently of the encoder: signature, IHDR, the IDAT stream, each row's filter byte."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks = 8, {}
    while pos < len(png):
        (length,) = struct.unpack(">I", png[pos : pos + 4])
        kind, body = png[pos + 4 : pos + 8], png[pos + 8 : pos + 8 + length]
        assert struct.unpack(">I", png[pos + 8 + length : pos + 12 + length])[0] == zlib.crc32(kind + body)
        chunks[kind] = chunks.get(kind, b"") + body
        pos += 12 + length
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", chunks[b"IHDR"])
    assert (depth, colour, interlace) == (8, 2, 0)
    rows = zlib.decompress(chunks[b"IDAT"])
    stride = width * 3 + 1
    assert all(rows[y * stride] == 0 for y in range(height))
    return width, height, b"".join(rows[y * stride + 1 : (y + 1) * stride] for y in range(height))


def s(text: str) -> bytes:
    """A fixstr."""
    b = text.encode()
    return bytes([0xA0 | len(b)]) + b


def nested(depth: int, leaf: bytes = b"\xc0") -> bytes:
    return b"\x91" * depth + leaf


def array_of_nils(n: int) -> bytes:
    return b"\xdd" + n.to_bytes(4, "big") + b"\xc0" * n


class Scan(unittest.TestCase):
    def test_every_plain_msgpack_format_is_accepted(self) -> None:
        values = [
            None,
            True,
            False,
            0,
            127,
            -1,
            -32,
            255,
            -128,
            65535,
            -32768,
            2**32 - 1,
            -(2**31),
            2**64 - 1,
            -(2**63),
            1.5,
            float("inf"),
            "",
            "a" * 31,
            "b" * 255,
            "c" * 65535,
            "d" * 70000,
            b"",
            b"x" * 300,
            b"y" * 70000,
            [],
            list(range(15)),
            list(range(16)),
            {},
            {"k": 1},
            {f"k{i}": i for i in range(20)},
        ]
        for v in values:
            self.assertIsNone(scan_frame(msgpack.packb({"v": v})), repr(v)[:40])
        self.assertIsNone(scan_frame(b"\xca\x3f\x80\x00\x00"), "float 32")
        self.assertIsNone(scan_frame(b"\xdd\x00\x00\x00\x01\x01"), "array 32")
        self.assertIsNone(scan_frame(b"\xdf\x00\x00\x00\x01" + s("a") + b"\x01"), "map 32")

    def test_every_extension_type_is_refused(self) -> None:
        for head, size in ((b"\xd4", 1), (b"\xd5", 2), (b"\xd6", 4), (b"\xd7", 8), (b"\xd8", 16)):
            for t in (0x00, 0x69, 0x70, 0x7F, 0xFF):
                frame = b"\x81" + s("a") + head + bytes([t]) + bytes(size)
                self.assertRegex(scan_frame(frame) or "", "extension types", frame.hex())
        for head in (b"\xc7\x03", b"\xc8\x00\x03", b"\xc9\x00\x00\x00\x03"):
            for t in (0x00, 0xFF):
                self.assertRegex(scan_frame(b"\x81" + s("a") + head + bytes([t]) + b"abc") or "", "extension types")
        # msgpackr's structured clone of a cyclic array: ext 0x69 (id) around ext 0x70 (pointer).
        self.assertRegex(scan_frame(b"\xd6\x69\0\0\0\0\x91\xd6\x70\0\0\0\0") or "", "extension types")

    def test_depth_and_value_counts_are_bounded_and_malformed_bytes_named(self) -> None:
        self.assertIsNone(scan_frame(nested(MAX_DEPTH)))
        self.assertRegex(scan_frame(nested(MAX_DEPTH + 1)) or "", "nested more than 32 deep")
        self.assertRegex(scan_frame(nested(200_000)) or "", "nested more than 32 deep")
        self.assertRegex(scan_frame(b"\x81" + s("a") + nested(MAX_DEPTH)) or "", "nested more than 32 deep", "the request map counts one")
        self.assertIsNone(scan_frame(array_of_nils(MAX_VALUES - 1)))
        self.assertRegex(scan_frame(array_of_nils(MAX_VALUES)) or "", "more than 65536 msgpack values")
        self.assertRegex(scan_frame(b"\xdd\xff\xff\xff\xff") or "", "more than 65536")
        self.assertRegex(scan_frame(b"\x81" + s("a") + b"\x9f" + b"\x9f\xc0" * 10) or "", "truncated")
        for frame in (b"\x81\x01\x02", b"\x81\x90\x02", b"\x81\xc4\x01a\x02", b"\x82" + s("a") + b"\x01\xc0\x02"):
            self.assertRegex(scan_frame(frame) or "", "map key is not a string", frame.hex())
        self.assertRegex(scan_frame(b"\xc1") or "", "0xc1")
        for frame in (b"\x92\x01", b"\xc4\x05\x01\x02", b"\xdb\xff\xff\xff\xff", b"\xcb\x00\x00", b"", b"\xa5ab"):
            self.assertRegex(scan_frame(frame) or "", "truncated", frame.hex())
        self.assertRegex(scan_frame(b"\x01\x02") or "", "bytes after the end")

    def test_a_map_with_the_same_key_twice_is_refused_at_any_depth(self) -> None:
        twice = b"\x83" + s("op") + s("step") + s("op") + s("close") + s("handle") + b"\x01"
        self.assertRegex(scan_frame(twice) or "", "same key twice")
        self.assertRegex(scan_frame(b"\x82" + s("id") + b"\x01\xd9\x02id\x02") or "", "same key twice", "fixstr and str8")
        self.assertRegex(scan_frame(b"\x81" + s("a") + b"\x91\x82" + s("x") + b"\x01" + s("x") + b"\x02") or "", "same key twice")
        self.assertIsNone(scan_frame(b"\x82" + s("a") + b"\x81" + s("a") + b"\x01" + s("b") + b"\x81" + s("a") + b"\x02"))

    def test_the_decoder_refuses_extension_types_by_itself_too(self) -> None:
        """Behind the scan, as a second line: its ext_hook raises, and max_ext_len=0 stops the
        timestamps (ext -1) that msgpack decodes without calling the hook."""
        for value in (b"\xd4\x01\x00", b"\xd6\xff\0\0\0\0", b"\xd7\xff" + bytes(8), b"\xc7\x00\x05", b"\xc7\x0c\xff" + bytes(12)):
            with self.assertRaises(ValueError, msg=value.hex()):
                server_request._decode(b"\x81" + s("a") + value)
        with self.assertRaises(ValueError):
            server_request._decode(b"\x81\x01\x02")

    def test_peek_id_reads_the_top_level_id_past_extensions_deep_values_and_broken_tails(self) -> None:
        self.assertEqual(peek_id(b"\x82" + s("id") + b"\x07" + s("action") + b"\xd6\x70\0\0\0\0"), 7)
        self.assertEqual(
            peek_id(b"\x82" + s("action") + nested(5000) + s("id") + b"\xcd\x01\x00"), 256, "past a value deeper than msgpack's stack"
        )
        self.assertEqual(peek_id(b"\x82" + s("x") + array_of_nils(100_000) + s("id") + b"\x09"), 9, "past a wide value")
        self.assertEqual(
            peek_id(b"\x82" + s("id") + b"\xcb" + struct.pack(">d", 2.0**52) + b"\xc1"), 2**52, "float 64, truncated after"
        )
        self.assertEqual(peek_id(b"\x82\xd9\x02id\x05\xc1"), 5, "str8 key")
        self.assertEqual(peek_id(b"\x82" + s("id") + b"\x01" + s("id") + b"\x02"), 2, "the last id entry")
        self.assertIsNone(peek_id(b"\x81" + s("id") + b"\xff"), "negative")
        self.assertIsNone(peek_id(b"\x81" + s("id") + b"\xcf\x00\x20\x00\x00\x00\x00\x00\x00"), "2^53")
        self.assertIsNone(peek_id(b"\x81" + s("id") + b"\xcb" + struct.pack(">d", 1.5)), "1.5")
        self.assertIsNone(peek_id(b"\x81" + s("id") + b"\xa11"), "a string")
        self.assertIsNone(peek_id(b"\x92\x01\x02"), "not a map")
        self.assertIsNone(peek_id(b"\x82" + s("x") + b"\xc1" + s("id") + b"\x01"), "unreadable before the id")
        self.assertIsNone(peek_id(b""))

    def test_peek_id_reads_a_4_mib_frame_in_a_bounded_number_of_python_steps(self) -> None:
        """msgpack's C unpacker passes over whole values; only a value nested deeper than its
        stack is walked in Python, and then at most MAX_VALUES headers per frame."""
        calls = [0]
        header = msgpack_scan._header

        def counting(data: bytes, pos: int) -> Any:
            calls[0] += 1
            return header(data, pos)

        msgpack_scan._header = counting
        try:
            wide = b"\x83" + s("id") + b"\x05" + s("op") + s("step") + s("x") + array_of_nils(4_000_000)
            self.assertEqual(peek_id(wide), 5)
            self.assertLess(calls[0], 10)
            calls[0] = 0
            deep = b"\x83" + s("id") + b"\x05" + s("op") + s("step") + s("x") + nested(4_000_000)
            self.assertEqual(peek_id(deep), 5)
            self.assertLessEqual(calls[0], MAX_VALUES + 10)
        finally:
            msgpack_scan._header = header

    def test_the_step_fast_path_takes_only_frames_the_scan_passes(self) -> None:
        box = {"dtype": "float32", "shape": [1, 2], "data": bytes(8)}
        usual = [
            wire.pack({"id": 1, "op": "step", "handle": 3, "action": 1}),
            wire.pack({"id": MAX_ID, "op": "step", "handle": 70000, "action": box}),
            wire.pack({"id": 1, "op": "step", "handle": 1, "action": {"dtype": "int32", "shape": [256], "data": bytes(1024)}}),
            wire.pack({"id": 1, "op": "step", "handle": 1, "action": {"dtype": "uint8", "shape": [64, 64, 3], "data": bytes(64 * 64 * 3)}}),
        ]
        for frame in usual:
            self.assertTrue(is_plain_step(frame), frame[:40].hex())
        others = [
            wire.pack({"op": "step", "id": 1, "handle": 3, "action": 1}),
            wire.pack({"id": 1, "op": "step", "handle": 3, "action": [1, 2]}),
            wire.pack({"id": 1, "op": "reset", "handle": 3}),
            usual[1][:-1],
            usual[1] + b"\x00",
            usual[0][:-1] + b"\xd4",
        ]
        for frame in others:
            self.assertFalse(is_plain_step(frame), frame[:40].hex())
        # Anything but a scalar where the layout has one: the id, the handle, the action, a shape element.
        not_scalars = [
            b"\xd4\x01\x00",
            b"\xd5\x01" + bytes(2),
            b"\xd6\xff" + bytes(4),
            b"\xd7\x00" + bytes(8),
            b"\xd8\x70" + bytes(16),
            b"\xc7\x01\x69\x00",
            b"\xc8\x00\x01\x00\x00",
            b"\xc9\x00\x00\x00\x01\x00\x00",
            b"\xc1",
            b"\xc4\x01\x00",
            b"\xa1x",
            b"\xd9\x01x",
            b"\x91\x01",
            b"\x81\xa1x\x01",
            b"\x80",
            b"\x90",
        ]
        head, tail = b"\x84" + s("id"), s("op") + s("step") + s("handle") + b"\x01" + s("action")
        ndarray = b"\x83" + s("dtype") + s("float32") + s("shape") + b"\x91%s" + s("data") + b"\xc4\x04" + bytes(4)
        for x in not_scalars:
            for frame in (
                head + x + tail + b"\x01",
                head + b"\x01" + tail.replace(b"handle\x01", b"handle" + x) + b"\x01",
                head + b"\x01" + tail + x,
                head + b"\x01" + tail + ndarray.replace(b"%s", x),
            ):
                self.assertFalse(is_plain_step(frame), frame.hex())
            self.assertTrue(is_plain_step(head + b"\x01" + tail + ndarray.replace(b"%s", b"\xcd\x00\x01")))
        # Whatever bytes a mutated step frame holds, the fast path never passes what the scan refuses.
        rng = random.Random(7)
        taken = 0
        for _ in range(20000):
            b = bytearray(rng.choice(usual)[:200])
            for _ in range(rng.randint(1, 3)):
                i = rng.randrange(len(b) + 1)
                kind = rng.randrange(3)
                if kind == 0 and i < len(b):
                    b[i] = rng.randrange(256)
                elif kind == 1:
                    b.insert(i, rng.choice((0xC1, 0xD4, 0xC7, 0x91, 0x81, 0xDD, rng.randrange(256))))
                elif i < len(b):
                    del b[i]
            frame = bytes(b)
            if is_plain_step(frame):
                taken += 1
                self.assertIsNone(scan_frame(frame), frame.hex())
        self.assertGreater(taken, 100)


class Previews(unittest.TestCase):
    def test_previews_of_client_values_are_bounded_whatever_the_value(self) -> None:
        huge = "x" * (1 << 20)
        self.assertLess(len(preview(huge)), 80)
        self.assertEqual(preview("ab"), '"ab"')
        self.assertEqual(preview(b"abc"), "bin(3 bytes)")
        self.assertEqual(preview([0] * 100000), "an array of 100000")
        self.assertEqual(preview({"a": 1}), "a map")
        self.assertLess(len(preview(10**5000)), 40)
        self.assertEqual(preview_list([1, 2]), "[1, 2]")
        self.assertLess(len(preview_list([huge] * 100000)), 400)
        self.assertLess(len(clip(huge)), 250)


# ---- envs that record what reaches them -----------------------------------------------------------


class Probe:
    """Discrete(3) actions; the observation is drawn from its own generator, so a reseed shows.
    Every reset and step is recorded with what the env received."""

    def __init__(self, size: int = 1) -> None:
        self.observation_space = Box(-10.0, 10.0, (2,), "float32")
        self.action_space = Discrete(3)
        self.rng = random.Random()
        self.seen: List[Any] = []
        PROBES.append(self)

    def reset(self, *, seed: Any = None, options: Any = None) -> Any:
        self.seen.append(("reset", seed, options))
        if seed is not None:
            self.rng = random.Random(seed)
        return [self.rng.uniform(-1, 1), 0.0], {}

    def step(self, action: Any) -> Any:
        self.seen.append(("step", action))
        return [self.rng.uniform(-1, 1), float(action)], 1.0, False, False, {}

    def close(self) -> None:
        pass


PROBES: List[Probe] = []


class Pusher:
    """A Box action; bounds of every kind on the wire (integral, fractional float32, infinite)."""

    def __init__(self) -> None:
        self.observation_space = Box([-2.0, -0.1, -math.inf], [2.0, 0.1, math.inf], (3,), "float32")
        self.action_space = Box(-1.0, 1.0, (2,), "float32")
        self.last: Any = None

    def reset(self, *, seed: Any = None, options: Any = None) -> Any:
        return [0.0, 0.0, 0.0], {}

    def step(self, action: Any) -> Any:
        self.last = action
        return [0.0, 0.0, 0.0], 0.0, False, False, {}


RANGED: List[Any] = []


class Ranged(Pusher):
    """A range kwarg (1.4), read from the constructor's tuple default; records what it was given."""

    def __init__(self, band=(0.7, math.inf)) -> None:  # type: ignore[no-untyped-def]
        super().__init__()
        RANGED.append(band)


SLEEPY_LOG: List[int] = []
SLEEPIES: List[Any] = []


class Sleepy(Pusher):
    """Each step takes 10 ms of the server's thread, and says which env it was."""

    def __init__(self) -> None:
        super().__init__()
        SLEEPIES.append(self)

    def step(self, action: Any) -> Any:
        SLEEPY_LOG.append(id(self))
        time.sleep(0.01)
        return super().step(action)


class Painter(Pusher):
    """Renders a 5x4 frame of distinct colours (a uint8 (height, width, 3) array)."""

    def render(self) -> Any:
        return np.arange(4 * 5 * 3, dtype=np.uint8).reshape(4, 5, 3) * 3


class Unprintable(Exception):
    def __str__(self) -> str:
        raise RuntimeError("no text")


class Troublesome(Pusher):
    """Steps that go wrong in each way env code can: info msgpack cannot carry, an exception with
    a 1 MiB message, one whose str() raises; render raises."""

    def step(self, action: Any) -> Any:
        kind = int(round(float(action[0]) * 10))
        if kind == 1:
            return [0.0, 0.0, 0.0], 0.0, False, False, {"thing": object()}
        if kind == 2:
            raise ValueError("y" * (1 << 20))
        if kind == 3:
            raise Unprintable()
        return super().step(action)

    def render(self) -> Any:
        raise RuntimeError("no frames today")


OPTIONS = {
    "scale": {"type": "number", "default": 1.0, "description": "a number"},
    "count": {"type": "integer", "default": 3, "description": "an integer"},
    "mode": {"type": "string", "default": "fast", "description": "a string"},
    "flag": {"type": "boolean", "default": False, "description": "a boolean"},
    "note": {"type": "string", "default": None, "description": "a string or null"},
}


class Raw:
    """A connection sending whatever frames a test builds, answers decoded as they came."""

    def __init__(self, url: str) -> None:
        self.ws = WebSocket.connect(url)
        self.id = 0
        self.result("hello", protocol_version="1.2", client_name="test", client_version="0")

    def send(self, frame: bytes) -> Dict[str, Any]:
        self.ws.send(frame)
        return msgpack.unpackb(self.ws.recv(), raw=False, strict_map_key=False)

    def call(self, op: str, **fields: Any) -> Dict[str, Any]:
        self.id += 1
        return self.send(wire.pack({"id": self.id, "op": op, **fields}))

    def result(self, op: str, **fields: Any) -> Any:
        answer = self.call(op, **fields)
        assert "result" in answer, answer
        return answer["result"]

    def error(self, op: str, **fields: Any) -> Dict[str, Any]:
        answer = self.call(op, **fields)
        assert "error" in answer, answer
        return answer["error"]


class Server(unittest.TestCase):
    server: ThreadedServer
    logged: List[str] = []

    @classmethod
    def setUpClass(cls) -> None:
        cls.server = ThreadedServer(
            [
                EnvRegistration(
                    "Probe-v0",
                    Probe,
                    kwargs={"size": {"type": "integer", "default": 1, "description": "unused"}},
                    reset_options=OPTIONS,
                    render_fps=25,
                ),
                EnvRegistration("Pusher-v0", Pusher, kwargs={}),
                EnvRegistration("Ranged-v0", Ranged),
                EnvRegistration("Troublesome-v0", Troublesome, kwargs={}),
                EnvRegistration("Sleepy-v0", Sleepy, kwargs={}),
                EnvRegistration("Painter-v0", Painter, kwargs={}),
            ],
            log=cls.logged.append,
        )

    @classmethod
    def tearDownClass(cls) -> None:
        cls.server.close()

    def setUp(self) -> None:
        self.c = Raw(self.server.url)

    def tearDown(self) -> None:
        self.c.ws.close()

    def make(self, env_id: str = "Probe-v0", **fields: Any) -> int:
        return self.c.result("make", env_id=env_id, **fields)["handle"]

    # -- 1.2 -------------------------------------------------------------------------------------

    def test_hello_and_list_envs_say_1_4(self) -> None:
        hello = self.c.result("hello", protocol_version="1.0", client_name="old", client_version="0")
        self.assertEqual(hello["protocol_version"], "1.4")
        envs = {e["id"]: e for e in self.c.result("list_envs")["envs"]}
        self.assertEqual(envs["Probe-v0"]["reset_options"], OPTIONS)
        self.assertEqual(envs["Pusher-v0"]["reset_options"], {}, "an env that declares none reads none")
        self.assertEqual((envs["Probe-v0"]["render_modes"], envs["Probe-v0"]["render_fps"]), ([], 25))
        self.assertEqual((envs["Pusher-v0"]["render_modes"], envs["Pusher-v0"]["render_fps"]), ([], None))
        self.assertEqual((envs["Troublesome-v0"]["render_modes"], envs["Troublesome-v0"]["render_fps"]), (["rgb_array"], None))

    # -- 1.3 -------------------------------------------------------------------------------------

    def test_frame_encodings_are_listed_and_each_decodes_to_the_raw_frame(self) -> None:
        self.assertEqual(
            sorted(self.c.result("hello", protocol_version="1.3", client_name="t", client_version="0")["render_encodings"]),
            ["png", "raw", "zlib"],
        )
        self.assertEqual(sorted(self.c.result("list_envs")["render_encodings"]), ["png", "raw", "zlib"])
        handle = self.make("Painter-v0")
        self.c.result("reset", handle=handle)
        raw = self.c.result("render", handle=handle)["frame"]
        self.assertNotIn("encoding", raw, "asking nothing gets the 1.2 answer")
        want = (np.arange(60, dtype=np.uint8) * 3).tobytes()
        self.assertEqual((raw["width"], raw["height"], raw["data"]), (5, 4, want))
        z = self.c.result("render", handle=handle, encoding="zlib")["frame"]
        self.assertEqual((z["encoding"], z["width"], z["height"], zlib.decompress(z["data"])), ("zlib", 5, 4, want))
        png = self.c.result("render", handle=handle, encoding="png")["frame"]
        self.assertEqual(png["encoding"], "png")
        self.assertEqual(decode_png(png["data"]), (5, 4, want))

    def test_an_encoding_not_offered_is_unsupported_and_a_non_string_bad_request(self) -> None:
        handle = self.make("Painter-v0")
        self.c.result("reset", handle=handle)
        error = self.c.error("render", handle=handle, encoding="webp")
        self.assertEqual((error["code"], sorted(error["details"]["render_encodings"])), ("unsupported", ["png", "raw", "zlib"]))
        self.assertEqual(self.c.error("render", handle=handle, encoding=7)["code"], "bad_request")
        self.assertEqual(len(self.c.result("render", handle=handle)["frame"]["data"]), 60, "the env still renders")

    def test_the_client_decodes_zlib_frames_only_to_their_size(self) -> None:
        data = bytes(range(18))
        self.assertEqual(decode_frame({"width": 2, "height": 3, "encoding": "zlib", "data": zlib.compress(data)}), data)
        for width, height, blob, text in [
            (2, 2, zlib.compress(data), "did not inflate"),
            (3, 3, zlib.compress(data), "holds 18 bytes, not 27"),
            (2, 3, b"junk", "did not inflate"),
            (2, 3, zlib.compress(data)[:-3], "did not inflate"),
        ]:
            with self.assertRaisesRegex(InternalError, text):
                decode_frame({"width": width, "height": height, "encoding": "zlib", "data": blob})
        with self.assertRaisesRegex(InternalError, "not 'webp'"):
            decode_frame({"width": 2, "height": 3, "encoding": "webp", "data": data})

    def test_box_bounds_travel_as_integers_when_integral_else_as_float64(self) -> None:
        envs = {e["id"]: e for e in self.c.result("list_envs")["envs"]}
        obs = envs["Pusher-v0"]["observation_space"]
        self.assertEqual([type(v) for v in obs["low"]], [int, float, float])
        self.assertEqual(obs["low"][:2], [-2, struct.unpack("<f", struct.pack("<f", -0.1))[0]], "float32 bounds are float32 values")
        self.assertEqual(obs["high"][2], math.inf)
        frame = wire.pack(envs["Pusher-v0"]["observation_space"])
        self.assertIn(b"\xa3low\x93\xfe\xcb", frame, "-2 as a fixint, -0.1 as float 64")

    def test_ids_in_range_are_echoed_and_others_answered_with_null(self) -> None:
        for rid, echoed in ((0, 0), (MAX_ID, MAX_ID), (5.0, 5), (float(2**52), 2**52)):
            answer = self.c.send(wire.pack({"id": rid, "op": "list_envs"}))
            self.assertEqual(answer["id"], echoed)
            self.assertIs(type(answer["id"]), int)
            self.assertIn("result", answer)
        for rid in (MAX_ID + 1, 2**64 - 1, -1, 1.5, float(2**53), "7", None, True):
            answer = self.c.send(wire.pack({"id": rid, "op": "list_envs"}))
            self.assertEqual((answer["id"], answer["error"]["code"]), (None, "bad_request"), rid)
        answer = self.c.send(wire.pack({"id": 12, "op": 5}))
        self.assertEqual((answer["id"], answer["error"]["code"]), (12, "bad_request"), "a valid id without a string op")
        self.assertEqual(self.c.send(wire.pack({"id": 13}))["id"], 13)

    def test_a_reset_option_the_env_cannot_read_is_refused_before_the_env_runs(self) -> None:
        handle = self.make()
        probe = PROBES[-1]
        first = self.c.result("reset", handle=handle, seed=1)["obs"]
        refused = [
            {"scale": "abc"},
            {"scale": [1]},
            {"scale": {"a": 1}},
            {"scale": None},
            {"scale": "1" * 100},
            {"count": 3.5},
            {"count": "3"},
            {"count": True},
            {"mode": 1},
            {"flag": 1},
            {"note": 2},
        ]
        for options in refused:
            e = self.c.error("reset", handle=handle, seed=99, options=options)
            self.assertEqual(e["code"], "bad_request", options)
            self.assertEqual(e["details"], {"option": next(iter(options))})
            self.assertLess(len(e["message"]), 200)
        self.assertEqual(len(probe.seen), 1, "the env saw none of the refused resets")
        # Not reseeded: the stream continues from seed 1 as if nothing happened.
        local = Probe()
        self.assertEqual(first, wire.encode_array(local.reset(seed=1)[0], "float32", [2]))
        self.assertEqual(self.c.result("reset", handle=handle)["obs"], wire.encode_array(local.reset()[0], "float32", [2]))
        accepted = [
            ({"scale": 2}, {"scale": 2}),
            ({"scale": 0.5}, {"scale": 0.5}),
            ({"scale": "2.5"}, {"scale": "2.5"}),
            ({"scale": True}, {"scale": True}),
            ({"count": 4.0}, {"count": 4}),
            ({"count": 4}, {"count": 4}),
            ({"mode": "slow"}, {"mode": "slow"}),
            ({"flag": True}, {"flag": True}),
            ({"note": None}, {"note": None}),
            ({"other": [1, {"x": "y"}]}, {"other": [1, {"x": "y"}]}),
        ]
        for given, received in accepted:
            self.c.result("reset", handle=handle, options=given)
            self.assertEqual(probe.seen[-1], ("reset", None, received))
            self.assertEqual([type(v) for v in probe.seen[-1][2].values()], [type(v) for v in received.values()])

    def test_a_refused_reset_does_not_count_as_a_reset(self) -> None:
        handle = self.make()
        self.assertEqual(self.c.error("reset", handle=handle, seed=0, options={"scale": "x"})["code"], "bad_request")
        self.assertEqual(self.c.error("step", handle=handle, action=0)["code"], "reset_needed")
        vector = self.make(num_envs=2)
        self.assertEqual(self.c.error("reset", handle=vector, seed=0, options={"count": "x"})["code"], "bad_request")
        self.assertEqual(self.c.error("step", handle=vector, action=[0, 0])["code"], "reset_needed")
        self.assertEqual([len(p.seen) for p in PROBES[-2:]], [0, 0])

    def test_an_integral_float_is_a_discrete_action_and_nothing_else_is(self) -> None:
        handle = self.make()
        probe = PROBES[-1]
        self.c.result("reset", handle=handle, seed=0)
        self.c.result("step", handle=handle, action=1.0)
        self.assertEqual(probe.seen[-1], ("step", 1))
        self.assertIs(type(probe.seen[-1][1]), int)
        for bad in (1.5, math.nan, math.inf, 3.0, -1.0, "1", [1], True):
            e = self.c.error("step", handle=handle, action=bad)
            self.assertEqual((e["code"], e["details"]), ("invalid_action", {"path": "action"}), bad)
        vector = self.make(num_envs=2)
        self.c.result("reset", handle=vector, seed=0)
        self.c.result("step", handle=vector, action=[2.0, 0.0])
        self.assertEqual([p.seen[-1] for p in PROBES[-2:]], [("step", 2), ("step", 0)])
        e = self.c.error("step", handle=vector, action=[2.0, 0.5])
        self.assertEqual((e["code"], e["details"]["path"]), ("invalid_action", "action[1]"))

    def test_ndarray_maps_may_carry_extra_fields(self) -> None:
        handle = self.make("Pusher-v0")
        self.c.result("reset", handle=handle)
        action = {"dtype": "float32", "shape": [2], "data": struct.pack("<2f", 0.25, -0.5), "order": "C", "x": [1, 2]}
        self.c.result("step", handle=handle, action=action)
        vector = self.make(num_envs=2)
        self.c.result("reset", handle=vector, seed=0)
        batch = {"dtype": "int32", "shape": [2], "data": struct.pack("<2i", 1, 2), "note": "extra"}
        self.c.result("step", handle=vector, action=batch)
        self.assertEqual([p.seen[-1] for p in PROBES[-2:]], [("step", 1), ("step", 2)])
        mask = {"dtype": "bool", "shape": [2], "data": b"\x00\x01", "extra": None}
        self.c.result("reset", handle=vector, options={"reset_mask": mask})
        self.assertEqual([p.seen[-1][0] for p in PROBES[-2:]], ["step", "reset"])
        shape_floats = {"dtype": "float32", "shape": [2.0], "data": bytes(8)}
        self.c.result("step", handle=handle, action=shape_floats)

    def test_integer_kwargs_take_integral_floats(self) -> None:
        made = self.c.result("make", env_id="Probe-v0", kwargs={"size": 2.0, "max_episode_steps": 10.0})
        self.assertEqual(made["spec"]["kwargs"], {"size": 2})
        self.assertEqual(made["spec"]["max_episode_steps"], 10)
        self.assertEqual(self.c.error("make", env_id="Probe-v0", kwargs={"size": 2.5})["code"], "invalid_kwargs")

    # -- 1.4 -------------------------------------------------------------------------------------

    def test_a_range_kwarg_is_listed_checked_and_reaches_the_env_as_a_tuple(self) -> None:
        envs = {e["id"]: e for e in self.c.result("list_envs")["envs"]}
        band = envs["Ranged-v0"]["kwargs"]["band"]
        self.assertEqual((band["type"], band["default"]), ("range", [0.7, math.inf]), "a tuple default is a range; inf on the wire")
        made = self.c.result("make", env_id="Ranged-v0", kwargs={"band": [-math.inf, 2]})
        self.assertEqual(made["spec"]["kwargs"], {"band": [-math.inf, 2.0]})
        self.assertEqual(RANGED[-1], (-math.inf, 2.0))
        self.c.result("make", env_id="Ranged-v0")
        self.assertEqual(RANGED[-1], (0.7, math.inf))
        seen = len(RANGED)
        for bad in ([1.0], [1.0, 2.0, 3.0], [1.0, "x"], [math.nan, 1.0], [2.0, 1.0], [True, 2.0], 3.0):
            error = self.c.error("make", env_id="Ranged-v0", kwargs={"band": bad})
            self.assertEqual(error["code"], "invalid_kwargs", bad)
        self.assertEqual(len(RANGED), seen, "no env was made with a malformed range")
        self.assertIn(
            '"band" must have low <= high, got [2.0, 1.0]', self.c.error("make", env_id="Ranged-v0", kwargs={"band": [2.0, 1.0]})["message"]
        )

    # -- containment -----------------------------------------------------------------------------

    def test_one_connections_pipelined_slow_steps_do_not_hold_up_another(self) -> None:
        """Frames already queued are answered without returning to the event loop: the queue is
        short (MAX_QUEUED_FRAMES) and a slow frame gives the other connections a turn, so a
        request on another connection waits for a few of the pipelined steps, not all of them
        (5 of 20 when measured; 8 without the turn; 20 without the turn and with websockets'
        default queue of 32)."""
        busy = Raw(self.server.url)
        action = {"dtype": "float32", "shape": [2], "data": bytes(8)}
        try:
            mine, theirs = self.make("Sleepy-v0"), busy.result("make", env_id="Sleepy-v0")["handle"]
            self.c.result("reset", handle=mine)
            busy.result("reset", handle=theirs)
            del SLEEPY_LOG[:]
            for i in range(20):
                busy.ws.send(wire.pack({"id": 1000 + i, "op": "step", "handle": theirs, "action": action}))
            time.sleep(0.005)
            self.c.result("step", handle=mine, action=action)
            for _ in range(20):
                busy.ws.recv()
        finally:
            busy.ws.close()
        order = list(SLEEPY_LOG)
        self.assertEqual(len(order), 21)
        mine_at = order.index(id(SLEEPIES[-2]))
        self.assertLessEqual(mine_at, 6, f"the other connection's step came after {mine_at} of the 20 pipelined ones")

    def test_nothing_env_code_does_leaves_a_frame_unanswered(self) -> None:
        handle = self.make("Troublesome-v0")
        self.c.result("reset", handle=handle)
        for kind, code in ((0.1, "internal"), (0.2, "internal"), (0.3, "internal")):
            fresh = self.make("Troublesome-v0")
            self.c.result("reset", handle=fresh)
            answer = self.c.call("step", handle=fresh, action={"dtype": "float32", "shape": [2], "data": struct.pack("<2f", kind, 0)})
            self.assertEqual(answer["error"]["code"], code, kind)
            self.assertLess(len(wire.pack(answer)), 2048, kind)
        self.assertEqual(self.c.error("render", handle=handle)["code"], "internal")
        self.assertTrue(self.c.result("step", handle=handle, action={"dtype": "float32", "shape": [2], "data": bytes(8)}))

    def test_nothing_server_code_does_leaves_a_frame_unanswered(self) -> None:
        check, what, required = server_request.SCHEMAS["list_envs"].get("x", (None, None, None))
        server_request.SCHEMAS["list_envs"]["x"] = (lambda v: 1 / 0, "a value", False)
        try:
            answer = self.c.send(wire.pack({"id": 77, "op": "list_envs", "x": 1}))
            self.assertEqual((answer["id"], answer["error"]["code"]), (77, "internal"))
        finally:
            del server_request.SCHEMAS["list_envs"]["x"]
        op = self.server.server._ops["list_envs"]
        self.server.server._ops["list_envs"] = lambda session, msg: {"envs": [object()]}
        try:
            self.assertEqual(self.c.error("list_envs")["code"], "internal", "an answer msgpack cannot carry")
            self.server.server._ops["list_envs"] = lambda session, msg: 1 / 0
            del self.logged[:]
            self.assertEqual(self.c.error("list_envs")["code"], "internal")
            self.assertIn("ZeroDivisionError", self.logged[-1])
        finally:
            self.server.server._ops["list_envs"] = op
        self.assertTrue(self.c.result("list_envs")["envs"])


if __name__ == "__main__":
    unittest.main()
