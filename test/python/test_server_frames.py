"""The Python server's frame budget (server_frames.py), as the Node server's input share: frames
half sent and frames not yet answered count against frame_budget_bytes over all connections;
past it, the connections holding more than their share are not read, the others go on."""
from __future__ import annotations

import asyncio
import socket
import threading
import time
import unittest
from typing import Any, Dict, List

import support  # noqa: F401 - puts the package on sys.path
from support import ThreadedServer
from test_server_limits import Conn, Tiny

from gymwire import EnvServer
from gymwire.server_frames import FrameBudget
from gymwire.server_upgrade import is_legacy_server
from gymwire.websocket import WebSocket, frame

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
        self.assertEqual(
            (big.reading, small.reading, idle.reading), (False, True, True), "over: the one above 100/3 is paused, not the others"
        )
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


class Flood(unittest.TestCase):
    def setUp(self) -> None:
        self.sockets: List[socket.socket] = []
        # No hello_timeout: the flooding clients never say hello, and a timer closing them mid-test
        # would make what is measured depend on how fast a loaded machine gets through it.
        self.server = ThreadedServer({"Tiny-v0": Tiny}, max_payload_bytes=4 * MIB, frame_budget_bytes=8 * MIB, hello_timeout=0)

    def tearDown(self) -> None:
        for s in self.sockets:
            s.close()
        self.server.close()

    def watch_the_budget_go_over(self) -> Dict[str, Any]:
        """What every connection held the moment the total first went over the budget (filled in
        by the server's thread, from the budget's own settle)."""
        budget = self.server.server.frame_budget
        seen: Dict[str, Any] = {}
        settle = budget.settle

        def watched(conn: Any) -> None:
            if budget.used > budget.total and not budget.over and not seen:
                seen["used"] = budget.used
                seen["held"] = {c: c.gymwire_counted for c in budget.connections}
            settle(conn)

        budget.settle = watched  # type: ignore[method-assign]
        return seen

    def half_sent_frames(self, connections: int) -> List[int]:
        """`connections` clients each send a 4 MiB frame but its last byte, as fast as their sockets
        take it, until nothing more can move: each one's frame is all in the server, or the server
        stopped reading it and its socket takes no more. Returns the bytes each got into its socket.
        Ends on that state of the server's, not after some time (a loaded machine only takes longer)."""
        socks = []
        for _ in range(connections):
            ws = WebSocket.connect(self.server.url)
            ws.sock.setblocking(False)
            socks.append(ws.sock)
            self.sockets.append(ws.sock)
        frame = bytes([0x82, 0x80 | 127]) + (4 * MIB).to_bytes(8, "big") + b"\0\0\0\0" + bytes(4 * MIB - 1)
        payload = len(frame) - 14
        budget = self.server.server.frame_budget
        sent = [0] * connections
        blocked = [False] * connections

        def server_side(s: socket.socket) -> Any:
            return next((c for c in list(budget.connections) if c.transport.get_extra_info("peername") == s.getsockname()), None)

        def settled(i: int) -> bool:
            conn = server_side(socks[i])
            if conn is None:
                return False
            if conn.gymwire_paused:
                return blocked[i] or sent[i] == len(frame)
            return conn.gymwire_counted == payload

        deadline = time.monotonic() + 60  # only so that a broken server fails instead of hanging
        while not all(settled(i) for i in range(connections)):
            self.assertLess(time.monotonic(), deadline, f"the clients never settled: sent {sent}")
            moved = False
            for i, s in enumerate(socks):
                if sent[i] < len(frame):
                    try:
                        n = s.send(frame[sent[i] : sent[i] + 256 * 1024])
                    except BlockingIOError:
                        n = 0
                    sent[i] += n
                    blocked[i] = n == 0
                    moved = moved or n > 0
            if not moved:
                time.sleep(0.005)
        return sent

    def test_half_sent_frames_cannot_make_the_server_hold_past_its_budget_and_others_are_served(self) -> None:
        seen = self.watch_the_budget_go_over()
        sent = self.half_sent_frames(8)
        budget = self.server.server.frame_budget
        # Unbounded, the server would hold what the clients got through: up to 8 x 4 MiB. Bounded,
        # the total passes the budget by the socket read that took it over (asyncio reads at most
        # `max_size`, 256 KiB); from then on a connection holding more than its share (budget / 8)
        # is not read any more, and one holding less is read on until it passes its share, by at
        # most one read. That is a bound per connection, not "one read more per connection" in
        # all: a connection far below its share takes several reads to pass it, so the total is
        # not bounded by budget + 9 reads — it held 10,813,328 bytes once (two connections paused
        # at 1.5 MiB, six read from 0.7-1 MiB up to 1.25 MiB), which is the rule working.
        self.assertIn("used", seen, f"the budget never went over; the clients sent {sum(sent)}")
        share = budget.total / len(budget.connections)
        read = max(c.transport.max_size for c in budget.connections)
        self.assertLessEqual(seen["used"], budget.total + read, "over the budget by more than the read that took it over")
        for conn, then in seen["held"].items():
            now = conn.gymwire_counted
            if then > share:
                self.assertEqual(now, then, f"above its share ({then} > {share:.0f}) when the total went over, yet read on")
                self.assertTrue(conn.gymwire_paused)
            else:
                self.assertLessEqual(now, share + read, f"read past its share by more than one read ({then} -> {now})")
        self.assertGreater(budget.paused, 0)
        flooders = list(seen["held"])
        held, paused = [c.gymwire_counted for c in flooders], budget.paused
        # A client with small frames is served while the others are held (a pause of every
        # connection would leave its calls unanswered: its socket times out).
        polite = Conn(self.server.url)
        handle = polite.call("make", env_id="Tiny-v0")["result"]["handle"]
        polite.call("reset", handle=handle)
        for _ in range(50):
            self.assertIn("result", polite.call("step", handle=handle, action=1))
        self.assertEqual(
            ([c.gymwire_counted for c in flooders], budget.paused, budget.over), (held, paused, True), "served while the others were held"
        )
        polite.close()
        # A client that goes away is not seen while the server does not read its socket (its FIN
        # waits behind the bytes not read): such connections end at hello_timeout or idle_timeout
        # (off here, so that no timer ends one mid-test) or when the server closes them.
        for s in self.sockets:
            s.close()
        self.sockets.clear()
        self.server.stop()
        deadline = time.monotonic() + 30  # only so that a broken server fails instead of hanging
        while budget.used > 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        self.assertEqual((budget.used, budget.paused), (0, 0), "closed connections give back what they held, paused or not")

    def test_frames_count_until_answered_and_a_connection_above_its_share_stays_paused_as_its_queue_drains(self) -> None:
        """Complete frames count while queued and while being answered, not only bytes still
        being parsed; and websockets' own flow control, which resumes reading once its queue of
        frames drains (14+) or whenever its reader waits for bytes (10-13), does not undo a pause
        of the budget's. Small limits: a 16 KiB payload, a 32 KiB budget, three connections."""
        self.server.close()
        limit = 16 * 1024
        self.server = ThreadedServer({"Tiny-v0": Tiny}, max_payload_bytes=limit, frame_budget_bytes=2 * limit, hello_timeout=0)
        budget = self.server.server.frame_budget
        key = b"\0\0\0\0"
        big = frame(0x2, bytes(limit), key)
        socks = []
        for _ in range(3):
            ws = WebSocket.connect(self.server.url)
            socks.append(ws)
            self.sockets.append(ws.sock)
        conns = {}
        deadline = time.monotonic() + 30  # only so that a broken server fails instead of hanging
        while len(conns) < 3:
            self.assertLess(time.monotonic(), deadline)
            for c in list(budget.connections):
                conns[c.transport.get_extra_info("peername")] = c
            time.sleep(0.005)
        a, b, c = (conns[ws.sock.getsockname()] for ws in socks)
        # b and c each send 16,000 bytes of a 16 KiB frame: 32,000 in all, within the budget.
        for ws in socks[1:]:
            ws.sock.sendall(big[: len(big) - (limit - 16000)])
        while not (b.gymwire_counted >= 16000 and c.gymwire_counted >= 16000):
            self.assertLess(time.monotonic(), deadline, f"{b.gymwire_counted} {c.gymwire_counted}")
            time.sleep(0.005)
        self.assertFalse(budget.over)
        seen = self.watch_the_budget_go_over()
        answered: List[int] = []
        account = budget.account

        def watched(conn: Any, held: int) -> None:
            if conn is a:
                answered.append(held)
            account(conn, held)

        budget.account = watched  # type: ignore[method-assign]
        # a sends five complete 1,000-byte frames and 12,000 bytes of a big one, all read at once
        # (the server's loop is held while they go out): past the budget.
        held, release = threading.Event(), threading.Event()
        self.server.loop.call_soon_threadsafe(lambda: (held.set(), release.wait(10)))
        self.assertTrue(held.wait(10))
        socks[0].sock.sendall(b"".join(frame(0x2, bytes([i]) * 1000, key) for i in range(5)) + big[: len(big) - (limit - 12000)])
        release.set()
        for _ in range(5):
            socks[0].settimeout(10)
            self.assertIsInstance(socks[0].recv(), bytes, "each complete frame is answered")
        while a.gymwire_in_hand or len(getattr(a, "gymwire_frames", getattr(a, "messages", ()))):
            self.assertLess(time.monotonic(), deadline)
            time.sleep(0.005)
        header = len(big) - limit
        self.assertGreaterEqual(seen["held"][a], 5 * 1000 + 12000, "a's frames, parsed or not, count from the moment they are read")
        # After each answer, a holds its part of the big frame and the frames not yet answered
        # (with their headers while the parser has not taken them).
        self.assertEqual(len(answered), 5, answered)
        for i, held_then in enumerate(answered):
            left = 4 - i
            self.assertGreaterEqual(held_then, 12000 + left * 1000, answered)
            self.assertLessEqual(held_then, 12000 + left * (1000 + header) + header, answered)
        # What each holds now is its part of a frame: 12,000 or 16,000 bytes (and, depending on
        # the websockets version, the frame's header, which one parser keeps until the payload is in).
        for conn, part in ((a, 12000), (b, 16000), (c, 16000)):
            self.assertGreaterEqual(conn.gymwire_counted, part)
            self.assertLessEqual(conn.gymwire_counted, part + header)
        self.assertEqual(budget.used, sum(conn.gymwire_counted for conn in (a, b, c)))
        self.assertTrue(budget.over)
        for conn in (a, b, c):
            self.assertTrue(conn.gymwire_paused, "above its share (32 KiB / 3) while the total is over the budget")
            self.assertFalse(conn.transport.is_reading(), "paused by the budget, yet read")

    def test_the_budget_must_hold_two_of_the_largest_frames(self) -> None:
        with self.assertRaisesRegex(ValueError, "frame_budget_bytes must be an integer of at least twice max_payload_bytes"):
            EnvServer({"Tiny-v0": Tiny}, max_payload_bytes=4 * MIB, frame_budget_bytes=6 * MIB)


class Versions(unittest.TestCase):
    def test_a_websockets_that_keeps_its_frames_elsewhere_stops_the_server_at_start(self) -> None:
        """The asyncio server's count reads websockets' frame queue (14+): a release that moved it
        must not serve without a frame budget. (On the legacy server, Flood counts its own state.)"""
        if is_legacy_server():
            server = EnvServer({"Tiny-v0": Tiny}, port=0)
            asyncio.run(self._start_and_close(server))
            return
        from websockets.asyncio import messages

        class Moved(messages.Assembler):  # type: ignore[misc, name-defined]
            def __init__(self, *args: Any, **kwargs: Any) -> None:
                super().__init__(*args, **kwargs)
                self.frames = object()  # type: ignore[assignment]

        real = messages.Assembler
        messages.Assembler = Moved  # type: ignore[misc]
        try:
            with self.assertRaisesRegex(RuntimeError, r"does not know the frame queue of websockets 1\d\."):
                asyncio.run(self._start_and_close(EnvServer({"Tiny-v0": Tiny}, port=0)))
        finally:
            messages.Assembler = real  # type: ignore[misc]
        asyncio.run(self._start_and_close(EnvServer({"Tiny-v0": Tiny}, port=0)))

    async def _start_and_close(self, server: EnvServer) -> None:
        await server.start()
        server.close()
        await server.wait_closed()


if __name__ == "__main__":
    unittest.main()
