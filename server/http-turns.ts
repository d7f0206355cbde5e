// Plain HTTP requests take their turn in the scheduler (server/scheduler.ts) with the
// WebSocket connections' frames: answered at once when nothing waits for a turn, else queued
// per address (server/admission.ts: an IPv4 address or an IPv6 /64), one request per
// address per turn. However many sockets an address opens, its requests cost the others one
// turn per round, like one connection's.
//
// Every answer closes its socket (Connection: close): each socket carries one request
// (server/http-front.ts).
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Scheduler, Turn } from './scheduler.ts';
import { addressKey } from './admission.ts';

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

/** The requests of one address waiting for their turn, oldest first. */
class AddressRequests implements Turn {
  inTurn = false;
  readonly waiting: [IncomingMessage, ServerResponse][] = [];

  constructor(
    private readonly handler: Handler,
    private readonly forget: () => void,
  ) {}

  runTurn(): boolean {
    for (;;) {
      const next = this.waiting.shift();
      if (next === undefined) {
        this.forget();
        return false;
      }
      const [req, res] = next;
      // The client went away while it waited: nothing to answer.
      if (req.socket.destroyed) continue;
      this.handler(req, res);
      if (this.waiting.length > 0) return true;
      this.forget();
      return false;
    }
  }
}

/** A request listener that answers through `scheduler`'s turns; `handler` answers one request. */
export function fairRequests(scheduler: Scheduler, handler: Handler): Handler {
  const queues = new Map<string, AddressRequests>();
  return (req, res) => {
    res.setHeader('Connection', 'close');
    const key = addressKey(req.socket.remoteAddress);
    const queue = queues.get(key);
    if (queue === undefined && scheduler.mayRunInline()) {
      handler(req, res);
      return;
    }
    let q = queue;
    if (q === undefined) {
      const created = new AddressRequests(handler, () => {
        if (queues.get(key) === created) queues.delete(key);
      });
      queues.set(key, created);
      q = created;
    }
    q.waiting.push([req, res]);
    scheduler.wake(q);
  };
}
