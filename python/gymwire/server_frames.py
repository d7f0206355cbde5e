"""The frames clients make the Python server hold, all connections together, bounded as the Node
server bounds its input share (server/memory-budget.ts, server/client-connection.ts).

A connection holds the bytes it sent that are not answered yet: received and not yet parsed
(a frame half sent sits there), fragments of a message being assembled, whole messages queued,
and the message being answered. While the total passes ``frame_budget_bytes``, every
connection holding more than its fair share (the budget over the number of connections) is not
read — its client's further bytes wait in the kernel's buffers and its own — until the total
drops below the budget again; connections holding less go on, so a few clients that fill the
budget with half-sent frames slow only themselves.

Counted from websockets' own state each time it changes (no running sum that could drift with
frame headers or control frames): the legacy server's ``reader`` buffer and ``messages`` queue
(websockets 10-13; server_upgrade.py builds the protocol class). On websockets 14+ nothing here
applies (README)."""
from __future__ import annotations

import collections
from typing import Any, Set


class FrameBudget:
    """The bytes all connections hold, and which connections are not being read. A connection
    keeps its own count (``gymwire_counted``) and flag (``gymwire_paused``), so the common case,
    a frame in or answered while within the budget, is a few additions."""

    def __init__(self, total: int):
        self.total = total
        self.used = 0
        #: The total was over the budget when last settled.
        self.over = False
        self.connections: Set[Any] = set()
        self._paused: Set[Any] = set()

    @property
    def paused(self) -> int:
        return len(self._paused)

    def join(self, conn: Any) -> None:
        conn.gymwire_counted = 0
        conn.gymwire_paused = False
        self.connections.add(conn)

    def account(self, conn: Any, held: int) -> None:
        """``conn`` holds ``held`` bytes now."""
        self.used += held - conn.gymwire_counted
        conn.gymwire_counted = held
        if self.used > self.total or self.over or conn.gymwire_paused:
            self.settle(conn)

    def settle(self, conn: Any) -> None:
        """Pauses ``conn`` if the total is over the budget and it holds more than its share, else
        resumes it; resumes every paused connection when the total drops below the budget."""
        over = self.used > self.total
        share = self.total / max(1, len(self.connections))
        if over and not self.over:
            # Just went over: every connection above its share stops now, not at its next read.
            for other in self.connections:
                if other.gymwire_counted > share and not other.gymwire_paused:
                    self._paused.add(other)
                    other.pause_input()
        if over and conn.gymwire_counted > share:
            if not conn.gymwire_paused:
                self._paused.add(conn)
                conn.pause_input()
        elif conn.gymwire_paused:
            self._paused.discard(conn)
            conn.resume_input()
        if self.over and not over:
            for other in list(self._paused):
                other.resume_input()
            self._paused.clear()
        self.over = over

    def leave(self, conn: Any) -> None:
        """``conn`` closed: what it held is given back."""
        if conn not in self.connections:
            return
        self.connections.discard(conn)
        self.used -= conn.gymwire_counted
        conn.gymwire_counted = 0
        self._paused.discard(conn)
        conn.gymwire_paused = False
        if self.over:
            self.settle(conn)


class _MessageQueue(collections.deque):  # type: ignore[type-arg]
    """websockets' queue of received messages: a message put in stops counting as being assembled."""

    def __init__(self, owner: Any):
        super().__init__()
        self.owner = owner

    def append(self, message: Any) -> None:
        self.owner.gymwire_assembling = 0
        super().append(message)


class _ReaderTransport:
    """The transport as websockets' reader sees it: the reader resumes reading whenever it waits
    for bytes (a frame's payload), which must not undo a pause of the budget's."""

    def __init__(self, transport: Any, owner: "CountedFrames"):
        self._transport = transport
        self._owner = owner

    def resume_reading(self) -> None:
        if not self._owner.gymwire_paused:
            self._transport.resume_reading()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class CountedFrames:
    """Mixed into the legacy server's protocol class: counts what the connection holds into
    ``budget`` (set by the class's maker) and pauses or resumes reading the socket as it says."""

    budget: FrameBudget

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[call-arg]
        #: Bytes of the message being read (its fragments, then the whole until it is queued).
        self.gymwire_assembling = 0
        #: Bytes of the message the server is answering.
        self.gymwire_in_hand = 0
        self.messages = _MessageQueue(self)
        self.budget.join(self)

    def connection_made(self, transport: Any) -> None:
        super().connection_made(transport)  # type: ignore[misc]
        self.reader._transport = _ReaderTransport(transport, self)  # type: ignore[attr-defined]

    def gymwire_answered(self) -> None:
        """The server answered the message it took: it is no longer held."""
        self.budget.account(self, self.gymwire_counted - self.gymwire_in_hand)
        self.gymwire_in_hand = 0

    def pause_input(self) -> None:
        self.gymwire_paused = True
        self.transport.pause_reading()  # type: ignore[attr-defined]

    def resume_input(self) -> None:
        self.gymwire_paused = False
        # The reader pauses the transport by itself when its buffer is full: not against it.
        if not self.reader._paused and not self.transport.is_closing():  # type: ignore[attr-defined]
            self.transport.resume_reading()  # type: ignore[attr-defined]

    def data_received(self, data: bytes) -> None:
        # What websockets' data_received does, then what the connection holds now, into the
        # budget (FrameBudget.account inlined: this runs for every frame).
        reader = self.reader  # type: ignore[attr-defined]
        reader.feed_data(data)
        buffered = len(reader._buffer)  # type: ignore[attr-defined]
        held = buffered + self.gymwire_assembling + sum(map(len, self.messages)) + self.gymwire_in_hand
        budget = self.budget
        budget.used += held - self.gymwire_counted
        self.gymwire_counted = held
        if budget.used > budget.total or budget.over or self.gymwire_paused:
            budget.settle(self)

    async def read_data_frame(self, max_size: Any) -> Any:
        frame = await super().read_data_frame(max_size)  # type: ignore[misc]
        if frame is not None:
            self.gymwire_assembling += len(frame.data)
        return frame

    def connection_lost(self, exc: Any) -> None:
        super().connection_lost(exc)  # type: ignore[misc]
        self.budget.leave(self)
