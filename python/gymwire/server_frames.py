"""The frames clients make the Python server hold, all connections together, bounded as the Node
server bounds its input share (server/memory-budget.ts, server/client-connection.ts).

A connection holds the bytes it sent that are not answered yet: received and not yet parsed
(a frame half sent sits there), fragments of a message being assembled, whole messages queued,
and the message being answered. While the total passes ``frame_budget_bytes``, every
connection holding more than its fair share (the budget over the number of connections) is not
read — its client's further bytes wait in the kernel's buffers and its own — until the total
drops below the budget again; connections holding less go on, so a few clients that fill the
budget with half-sent frames slow only themselves.

Counted each time a chunk arrives, from websockets' own state: the bytes its parser holds (a
frame half received), then the data frames or messages it queued for the server, and the
message being answered. The two servers keep these in different places, so each has its mixin
(server_upgrade.py builds the connection class from it):
  websockets 10-13 (the legacy server)  ``LegacyFrames``: the ``reader`` buffer, the fragments
                                        being assembled, the ``messages`` queue;
  websockets 14+ (the asyncio server)   ``AsyncioFrames``: the sans-I/O parser's buffer
                                        (``protocol.reader``), and the data frames the assembler
                                        (``recv_messages``) queued or handed to the server.
Both pause reading with the transport, as the Node server pauses its socket, and keep
websockets' own flow control (which resumes reading when its queue drains) from undoing it."""
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


class CountedFrames:
    """What both servers' connection classes share: the budget (set by the class's maker), the
    message being answered, and pausing the socket. ``EnvServer`` calls ``gymwire_answered()``
    once it has answered the message it took."""

    budget: FrameBudget
    #: Bytes of the message the server is answering (set as the server takes it from the queue).
    gymwire_in_hand: int

    def gymwire_answered(self) -> None:
        """The server answered the message it took: it is no longer held. What the connection
        holds is counted again (the parser may have taken frame headers since the last chunk)."""
        self.gymwire_in_hand = 0
        budget = self.budget
        # Not once the connection is gone: what it held was given back then.
        if self in budget.connections:
            budget.account(self, self.gymwire_held())

    def gymwire_held(self) -> int:
        """The bytes the connection holds now, from websockets' state."""
        raise NotImplementedError

    def pause_input(self) -> None:
        self.gymwire_paused = True
        self.transport.pause_reading()  # type: ignore[attr-defined]

    def resume_input(self) -> None:
        self.gymwire_paused = False
        # websockets pauses the transport by itself when its queue is full: not against it.
        if not self._gymwire_queue_full() and not self.transport.is_closing():  # type: ignore[attr-defined]
            self.transport.resume_reading()  # type: ignore[attr-defined]

    def _gymwire_queue_full(self) -> bool:
        raise NotImplementedError


class _MessageQueue(collections.deque):  # type: ignore[type-arg]
    """The legacy server's queue of received messages: a message put in stops counting as being
    assembled; the one taken out is the one being answered."""

    def __init__(self, owner: Any):
        super().__init__()
        self.owner = owner

    def append(self, message: Any) -> None:
        self.owner.gymwire_assembling = 0
        super().append(message)

    def popleft(self) -> Any:
        message = super().popleft()
        self.owner.gymwire_in_hand = len(message)
        return message


class _ReaderTransport:
    """The transport as websockets' reader sees it: the reader resumes reading whenever it waits
    for bytes (a frame's payload), which must not undo a pause of the budget's."""

    def __init__(self, transport: Any, owner: "LegacyFrames"):
        self._transport = transport
        self._owner = owner

    def resume_reading(self) -> None:
        if not self._owner.gymwire_paused:
            self._transport.resume_reading()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class LegacyFrames(CountedFrames):
    """Mixed into the legacy server's protocol class (websockets 10-13)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[call-arg]
        #: Bytes of the message being read (its fragments, then the whole until it is queued).
        self.gymwire_assembling = 0
        self.gymwire_in_hand = 0
        self.messages = _MessageQueue(self)
        self.budget.join(self)

    def connection_made(self, transport: Any) -> None:
        super().connection_made(transport)  # type: ignore[misc]
        self.reader._transport = _ReaderTransport(transport, self)  # type: ignore[attr-defined]

    def _gymwire_queue_full(self) -> bool:
        return bool(self.reader._paused)  # type: ignore[attr-defined]

    def gymwire_held(self) -> int:
        buffered = len(self.reader._buffer)  # type: ignore[attr-defined]
        return buffered + self.gymwire_assembling + sum(map(len, self.messages)) + self.gymwire_in_hand

    def data_received(self, data: bytes) -> None:
        # What websockets' data_received does, then what the connection holds now, into the
        # budget (FrameBudget.account inlined: this runs for every chunk).
        reader = self.reader  # type: ignore[attr-defined]
        reader.feed_data(data)
        held = len(reader._buffer) + self.gymwire_assembling + sum(map(len, self.messages)) + self.gymwire_in_hand
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


class _FrameQueue(collections.deque):  # type: ignore[type-arg]
    """The asyncio server's queue of received data frames (its assembler's): the bytes queued,
    and those taken since the last answer (the fragments of the message being assembled, then
    the message being answered), kept as frames go in and out. These are the only ways websockets
    14-17 moves frames through it."""

    def __init__(self, owner: "AsyncioFrames"):
        super().__init__()
        self.owner = owner
        self.bytes = 0

    def append(self, frame: Any) -> None:
        self.bytes += len(frame.data)
        super().append(frame)

    def popleft(self) -> Any:
        frame = super().popleft()
        size = len(frame.data)
        self.bytes -= size
        self.owner.gymwire_in_hand += size
        return frame

    def extend(self, frames: Any) -> None:
        # A read cancelled half way puts the fragments it took back.
        frames = list(frames)
        size = sum(len(f.data) for f in frames)
        self.bytes += size
        self.owner.gymwire_in_hand -= size
        super().extend(frames)


def check_asyncio_assembler() -> None:
    """Raises unless websockets' assembler keeps its frames as ``AsyncioFrames`` expects (a
    ``frames.queue`` deque, ``paused`` and ``resume``): a websockets release that changed it
    must fail at start, not serve without a frame budget. Call it with the event loop running."""
    from websockets.asyncio.messages import Assembler

    assembler = Assembler()
    if not (
        isinstance(getattr(getattr(assembler, "frames", None), "queue", None), collections.deque)
        and hasattr(assembler, "resume")
        and hasattr(assembler, "paused")
    ):
        import websockets

        raise RuntimeError(
            f"gymwire's frame budget does not know the frame queue of websockets {websockets.__version__} "
            "(tested: 10.4 and 17.0.1; pip install 'websockets>=10.4,<18')"
        )


class AsyncioFrames(CountedFrames):
    """Mixed into the asyncio server's connection class (websockets 14+, ``ServerConnection``)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[call-arg]
        self.gymwire_in_hand = 0
        self.gymwire_frames = _FrameQueue(self)
        self.budget.join(self)

    def connection_made(self, transport: Any) -> None:
        super().connection_made(transport)  # type: ignore[misc]
        assembler = self.recv_messages  # type: ignore[attr-defined]
        assembler.frames.queue = self.gymwire_frames
        # The assembler resumes reading once its queue drains: not while the budget pauses it.
        assembler.resume = self._gymwire_assembler_resume

    def _gymwire_assembler_resume(self) -> None:
        if not self.gymwire_paused and not self.transport.is_closing():  # type: ignore[attr-defined]
            self.transport.resume_reading()  # type: ignore[attr-defined]

    def _gymwire_queue_full(self) -> bool:
        return bool(self.recv_messages.paused)  # type: ignore[attr-defined]

    def gymwire_held(self) -> int:
        return len(self.protocol.reader.buffer) + self.gymwire_frames.bytes + self.gymwire_in_hand  # type: ignore[attr-defined]

    def data_received(self, data: bytes) -> None:
        super().data_received(data)  # type: ignore[misc]
        held = len(self.protocol.reader.buffer) + self.gymwire_frames.bytes + self.gymwire_in_hand  # type: ignore[attr-defined]
        budget = self.budget
        budget.used += held - self.gymwire_counted
        self.gymwire_counted = held
        if budget.used > budget.total or budget.over or self.gymwire_paused:
            budget.settle(self)

    def connection_lost(self, exc: Any) -> None:
        super().connection_lost(exc)  # type: ignore[misc]
        self.budget.leave(self)
