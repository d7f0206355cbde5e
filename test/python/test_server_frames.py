"""The Python server's frame budget (server_frames.py), as the Node server's input share: frames
half sent and frames not yet answered count against frame_budget_bytes over all connections;
past it, the connections holding more than their share are not read, the others go on."""
from __future__ import annotations

import socket
import time
import unittest
from typing import Any, List

import support  # noqa: F401 - puts the package on sys.path
from support import ThreadedServer
from test_server_limits import Conn, Tiny

from gymwire import EnvServer
from gymwire.server_frames import FrameBudget
from gymwire.server_upgrade import is_legacy_server
from gymwire.websocket import WebSocket

MIB = 1024 * 1024


class FakeConn:
    def __init__(self, budget: FrameBudget) -> None:
        budget.join(self)

    @property
    def reading(self) -> bool:
        return not self.gymwire_paused

    def pause_input(self) -> None:
        self.gymwire_paused = True

    def resume_input(self) -> None:
        self.gymwire_paused = False


class Budget(unittest.TestCase):
    def test_past_the_budget_only_connections_above_their_share_stop_being_read(self) -> None:
        budget = FrameBudget(100)
        big, small, idle = FakeConn(budget), FakeConn(budget), FakeConn(budget)
        budget.account(small, 10)
        budget.account(big, 80)
        self.assertEqual((budget.used, big.reading), (90, True), "within the budget everyone is read")
        budget.account(big, 95)
        self.assertEqual((big.reading, small.reading, idle.reading), (False, True, True), "over: the one above 100/3 is paused, not the others")
        budget.account(small, 20)
        self.assertTrue(small.reading, "still below its share")
        budget.account(small, 5)
        self.assertEqual((budget.used, big.reading), (100, True), "back within the budget: the paused one is read again")
        budget.account(big, 120)
        self.assertFalse(big.reading)
        budget.leave(big)
        self.assertEqual((budget.used, budget.paused, budget.over), (5, 0, False), "a closed connection gives back what it held")
        budget.leave(big)
        self.assertEqual(budget.used, 5, "twice is once")


@unittest.skipUnless(is_legacy_server(), "counted on the legacy server's state only (websockets 10-13; README)")
class Flood(unittest.TestCase):
    def setUp(self) -> None:
        self.sockets: List[socket.socket] = []
        self.server = ThreadedServer({"Tiny-v0": Tiny}, max_payload_bytes=4 * MIB, frame_budget_bytes=8 * MIB)

    def tearDown(self) -> None:
        for s in self.sockets:
            s.close()
        self.server.close()

    def half_sent_frames(self, connections: int, seconds: float) -> List[int]:
        """`connections` clients each send a 4 MiB frame but its last byte, as fast as their sockets
        take it, for at most `seconds`; returns the bytes each got into its socket."""
        socks = []
        for _ in range(connections):
            ws = WebSocket.connect(self.server.url)
            ws.sock.setblocking(False)
            socks.append(ws.sock)
            self.sockets.append(ws.sock)
        frame = bytes([0x82, 0x80 | 127]) + (4 * MIB).to_bytes(8, "big") + b"\0\0\0\0" + bytes(4 * MIB - 1)
        sent = [0] * connections
        end = time.monotonic() + seconds
        while time.monotonic() < end and min(sent) < len(frame):
            moved = False
            for i, s in enumerate(socks):
                if sent[i] < len(frame):
                    try:
                        n = s.send(frame[sent[i]:sent[i] + 256 * 1024])
                    except BlockingIOError:
                        n = 0
                    sent[i] += n
                    moved = moved or n > 0
            if not moved:
                time.sleep(0.01)
        time.sleep(0.3)
        return sent

    def test_half_sent_frames_cannot_make_the_server_hold_past_its_budget_and_others_are_served(self) -> None:
        sent = self.half_sent_frames(8, 3.0)
        budget = self.server.server.frame_budget
        # Unbounded, the server would hold what the clients got through: up to 8 x 4 MiB. Bounded,
        # the budget, plus the read that went over it and at most one read more per connection
        # (asyncio reads 256 KiB at most; a connection below its share is read on, as Node does).
        self.assertLessEqual(budget.used, 8 * MIB + 9 * 256 * 1024, f"held {budget.used} bytes; the clients sent {sum(sent)}")
        self.assertGreater(budget.paused, 0)
        polite = Conn(self.server.url)
        t0 = time.monotonic()
        handle = polite.call("make", env_id="Tiny-v0")["result"]["handle"]
        polite.call("reset", handle=handle)
        for _ in range(50):
            self.assertIn("result", polite.call("step", handle=handle, action=1))
        self.assertLess(time.monotonic() - t0, 5.0, "a client with small frames is served throughout")
        polite.close()
        for s in self.sockets:
            s.close()
        self.sockets.clear()
        deadline = time.monotonic() + 5
        while budget.used > 0 and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertEqual((budget.used, budget.paused), (0, 0), "closed connections give back what they held")

    def test_the_budget_must_hold_two_of_the_largest_frames(self) -> None:
        with self.assertRaisesRegex(ValueError, "frame_budget_bytes must be an integer of at least twice max_payload_bytes"):
            EnvServer({"Tiny-v0": Tiny}, max_payload_bytes=4 * MIB, frame_budget_bytes=6 * MIB)


if __name__ == "__main__":
    unittest.main()
