// One client connection on the server side: its frames in, its answers out, in order.
//
// Frames are answered by the scheduler (server/scheduler.ts): at once when the connection has
// nothing queued, else in its turn. What the connection makes the server hold is counted in
// the server's memory budget (server/memory-budget.ts) and held by backpressure:
// - answers: while more than max_buffered bytes of this connection's answers wait to be sent,
//   or the unsent answers of all connections pass their share of the budget and this one has
//   some waiting, its requests are not run (and its socket not read) until the client reads;
// - frames: while more than max_payload bytes of its frames wait to be answered, or the
//   unanswered frames of all connections pass their share and this one holds more than its
//   part (half-received frames included), its socket is not read.
// Nothing is dropped or reordered: requests wait in the client's and the kernel's buffers.
import type { WebSocket } from 'ws';
import type { Socket } from 'node:net';
import { encodeMessage } from '../protocol/codec.ts';
import type { BusyPoll } from '../protocol/busy-poll.ts';
import { dispatch } from './dispatch.ts';
import type { EnvCatalog } from './env-catalog.ts';
import { BIG_ANSWER_BYTES, type MemoryBudget } from './memory-budget.ts';
import type { Job, Scheduler, Turn } from './scheduler.ts';
import type { Session } from './session.ts';
import type { RequestStats } from './request-stats.ts';
import type { SlotHolder } from './admission.ts';
import { CLOSE } from './limits.ts';

const SEND_OPTIONS = { binary: true, fin: true, compress: false } as const;

/**
 * What a queued frame costs besides its bytes (its Buffer object and queue slot), so that a
 * flood of tiny frames is counted for what it holds.
 */
const QUEUED_FRAME_OVERHEAD = 128;

/** Frames waiting to be run, oldest first: a queue with O(1) take (an array's shift is not). */
class FrameQueue {
  private items: Uint8Array[] = [];
  private head = 0;
  /** Bytes held, counting QUEUED_FRAME_OVERHEAD per frame. */
  bytes = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  push(frame: Uint8Array): number {
    const cost = frame.length + QUEUED_FRAME_OVERHEAD;
    this.items.push(frame);
    this.bytes += cost;
    return cost;
  }

  /** The oldest frame and what it cost; call only when length > 0. */
  take(): { frame: Uint8Array; cost: number } {
    const frame = this.items[this.head];
    this.items[this.head++] = EMPTY;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    const cost = frame.length + QUEUED_FRAME_OVERHEAD;
    this.bytes -= cost;
    return { frame, cost };
  }

  clear(): void {
    this.items = [];
    this.head = 0;
    this.bytes = 0;
  }
}
const EMPTY = new Uint8Array(0);

/** Stands for a text frame in the queue (it is answered with bad_request, in its place in the order). */
const TEXT_FRAME = new Uint8Array(0);
const TEXT_FRAME_ANSWER = encodeMessage({
  id: null,
  error: { code: 'bad_request', message: 'frames must be binary (one msgpack map each)' },
});

/** What every connection of a server shares. */
export interface ServerShared {
  readonly scheduler: Scheduler;
  readonly budget: MemoryBudget;
  readonly catalog: EnvCatalog;
  readonly busyPoll: BusyPoll;
  /** Every open connection: the budget's fair shares divide by their number; wakeups go through them. */
  readonly connections: Set<ClientConnection>;
  readonly maxBufferedBytes: number;
  readonly maxPayloadBytes: number;
  /** Where steps and error answers are counted (server/metrics.ts). */
  readonly stats: RequestStats;
}

export class ClientConnection implements Turn, SlotHolder {
  inTurn = false;
  /** performance.now() of the last frame received (or of the upgrade). */
  lastActive = performance.now();
  private closed = false;
  /** Frames read and not yet run. */
  private readonly frames = new FrameQueue();
  /** Bytes read from the socket since the last complete frame: a frame still arriving. */
  private partialBytes = 0;
  /** The request being run in parts, if any. */
  private job: Job | null = null;
  /** This connection's unsent answer bytes as last counted into budget.output. */
  private unsent = 0;
  private corked = false;
  private readingPaused = false;
  private waitingForDrain = false;
  /** True from held() saying yes until wake() finds it no longer held: reading stays paused meanwhile. */
  private holding = false;
  private recountTimer: NodeJS.Timeout | null = null;
  /** Bytes of the last big answer sent: what the next one probably needs (held() waits for room for it). */
  private lastBigAnswer = 0;

  constructor(
    private readonly ws: WebSocket,
    private readonly socket: Socket,
    readonly session: Session,
    private readonly shared: ServerShared,
    /** Called for every frame received (the idle timeout's clock). */
    private readonly onActivity: () => void,
  ) {
    // Ahead of ws's own listener: the bytes of a chunk are counted before the frames in it are
    // handed out (each of which then clears the count).
    socket.prependListener('data', this.onData);
    shared.connections.add(this);
  }

  /** A frame arrived (ws 'message'). */
  onMessage(data: Uint8Array, isBinary: boolean): void {
    this.onActivity();
    this.lastActive = performance.now();
    const frame = isBinary ? data : TEXT_FRAME;
    if (this.partialBytes > 0) {
      this.releaseInput(this.partialBytes);
      this.partialBytes = 0;
    }
    const { scheduler, budget } = this.shared;
    if (this.job === null && this.frames.length === 0 && !this.held() && scheduler.mayRunInline()) {
      if (this.run(frame, scheduler.inlineDeadline())) scheduler.wake(this);
      return;
    }
    budget.input += this.frames.push(frame);
    if (!this.held()) scheduler.wake(this);
    this.updateReading();
  }

  runTurn(deadline: number): boolean {
    for (;;) {
      if (this.closed) return false;
      if (this.job !== null) {
        const answer = this.job.run(deadline);
        if (answer === null) return this.workLeft();
        this.job = null;
        this.send(answer);
      }
      if (this.frames.length === 0) return false;
      if (this.held()) return false;
      if (performance.now() >= deadline) return true;
      const { frame, cost } = this.frames.take();
      this.releaseInput(cost);
      this.updateReading();
      if (this.run(frame, deadline)) return true;
    }
  }

  /** Runs one request until `deadline`: answered, or its job started; true if the job has work left (for later turns). */
  private run(frame: Uint8Array, deadline: number): boolean {
    if (frame === TEXT_FRAME) this.shared.stats.errorAnswered('bad_request');
    const answer = frame === TEXT_FRAME ? TEXT_FRAME_ANSWER : dispatch(this.session, this.shared.catalog, frame, this.shared.stats);
    if (answer instanceof Uint8Array) {
      this.send(answer);
      return false;
    }
    const done = answer.run(deadline);
    if (done !== null) {
      this.send(done);
      return false;
    }
    this.job = answer;
    return this.workLeft();
  }

  /**
   * The job is not done: true if it has work to run in a later turn; false if it waits for
   * work done elsewhere (a worker thread), which wakes this connection when it is ready.
   */
  private workLeft(): boolean {
    const job = this.job!;
    if (job.whenReady === null) return true;
    job.whenReady(() => {
      if (this.job === job) this.wake();
    });
    return false;
  }

  private send(answer: Uint8Array): void {
    if (this.closed) return;
    this.shared.busyPoll.touch();
    if (answer.byteLength >= BIG_ANSWER_BYTES) {
      // A big answer goes out at once (with what was corked before it) rather than wait in the
      // cork, where it would count as unsent. msgpackr packs answers into a shared buffer several
      // times their size and hands out a view of it: one left waiting in the socket would keep
      // all of it alive, beyond what the budget counts, so it gets a buffer of its own.
      if (this.corked) {
        this.corked = false;
        this.socket.uncork();
      }
      if (answer.buffer.byteLength > answer.byteLength) answer = new Uint8Array(answer);
      this.lastBigAnswer = answer.byteLength;
      this.ws.send(answer, SEND_OPTIONS);
      this.countUnsent();
      return;
    }
    if (!this.corked) {
      // Answers sent in the same tick (pipelined requests) leave in one write: corked at the
      // first, uncorked when the tick ends, so a lone answer is not delayed.
      this.corked = true;
      this.socket.cork();
      process.nextTick(this.uncork);
    }
    this.ws.send(answer, SEND_OPTIONS);
  }

  private readonly uncork = (): void => {
    if (!this.corked) return;
    this.corked = false;
    this.socket.uncork();
    this.countUnsent();
  };

  /** Brings budget.output up to date with this connection's unsent bytes. */
  private countUnsent(): void {
    const now = this.closed ? 0 : this.ws.bufferedAmount;
    const before = this.unsent;
    if (now !== before) {
      const budget = this.shared.budget;
      const wasFull = budget.outputFull();
      budget.output += now - before;
      this.unsent = now;
      if (wasFull && !budget.outputFull()) this.wakeAll();
    }
    // Count again once the bytes are written: at 'drain' when the socket will say it, else soon
    // (fewer bytes than the socket's high-water mark wait, so it will not).
    if (now > 0 && !this.closed) {
      if (this.socket.writableNeedDrain) this.listenForDrain();
      else if (!this.recountTimer) this.recountTimer = setTimeout(this.recount, 5);
    }
  }

  private readonly recount = (): void => {
    this.recountTimer = null;
    this.countUnsent();
  };

  private listenForDrain(): void {
    if (this.waitingForDrain) return;
    this.waitingForDrain = true;
    this.socket.once('drain', this.onDrain);
  }

  /**
   * Whether this connection's requests must wait for its client to read: its answers wait
   * to be written (the socket said so, and will say 'drain') and they are more than
   * max_buffered, or all connections' unsent answers leave no room in their share of the
   * budget for another answer like its last big one (which would otherwise be refused).
   */
  private held(): boolean {
    if (!this.socket.writableNeedDrain) return false;
    if (this.unsent <= this.shared.maxBufferedBytes && !this.shared.budget.outputFull(this.lastBigAnswer)) return false;
    this.listenForDrain();
    this.holding = true;
    this.updateReading();
    return true;
  }

  private readonly onDrain = (): void => {
    this.waitingForDrain = false;
    this.countUnsent();
    this.wake();
  };

  /** Re-checks a connection that may have been held: queue its work, read its socket again. */
  private wake(): void {
    if (this.closed) return;
    if (!this.held()) {
      this.holding = false;
      if (this.job !== null || this.frames.length > 0) this.shared.scheduler.wake(this);
    }
    this.updateReading();
  }

  /** The budget dropped below a share: connections held by it may go on. */
  private wakeAll(): void {
    for (const c of this.shared.connections) if (c !== this) c.wake();
  }

  private readonly onData = (chunk: Buffer): void => {
    this.partialBytes += chunk.length;
    this.shared.budget.input += chunk.length;
    if (this.shared.budget.inputOver) this.updateReading();
  };

  /** Pauses or resumes reading the socket by the rules at the top of this file. */
  private updateReading(): void {
    if (this.closed) return;
    const budget = this.shared.budget;
    const input = this.frames.bytes + this.partialBytes;
    const pause =
      this.holding ||
      this.frames.bytes > this.shared.maxPayloadBytes ||
      (budget.inputOver && input > budget.inputFairShare(this.shared.connections.size));
    if (pause === this.readingPaused) return;
    this.readingPaused = pause;
    if (pause) this.ws.pause();
    else this.ws.resume();
  }

  /** Takes `bytes` off budget.input; if that ends its overrun, connections paused by it may read again. */
  private releaseInput(bytes: number): void {
    const budget = this.shared.budget;
    const wasOver = budget.inputOver;
    budget.input -= bytes;
    if (wasOver && !budget.inputOver) this.wakeAll();
  }

  holdsNothing(): boolean {
    return this.session.openEnvs === 0 && this.job === null && this.frames.length === 0;
  }

  /** Closes the connection to give its slot to a newcomer (server/admission.ts). */
  reclaim(reason: string): void {
    this.ws.close(CLOSE.TRY_AGAIN_LATER, reason);
    setTimeout(() => this.ws.terminate(), 2000).unref();
  }

  /** The connection closed: drop its queue and its job, and give back what it held. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.shared.connections.delete(this);
    this.socket.off('data', this.onData);
    this.releaseInput(this.frames.bytes + this.partialBytes);
    this.frames.clear();
    this.partialBytes = 0;
    this.countUnsent();
    if (this.recountTimer) clearTimeout(this.recountTimer);
    const job = this.job;
    this.job = null;
    try {
      job?.cancel();
    } finally {
      this.session.closeAll();
    }
  }
}
