// The client side of the shaped-link test, run inside the link's network namespace:
//   node --import tsx test/e2e/shaped-link-client.ts URL RELAY_DELAY_MS ENV_ID SECONDS [ENCODING [MAX_IN_FLIGHT]]
// It plays ENV_ID with random actions through the env page's own play loop (web/player.ts, PNG
// frames, several frames in flight) for SECONDS, and prints one JSON line: the round trip of a
// step, the time a raw frame takes (the link's bandwidth shows in it), frames/s over the run
// after its first second, and the bytes per frame. RELAY_DELAY_MS > 0: the kernel has no netem,
// so a relay here forwards every chunk that much later, each way (shaped-link.ts). ENCODING
// (default png) and MAX_IN_FLIGHT (default the page's) let bench/shaped-link.ts play it the way
// the page did before protocol 1.3: raw frames, one frame in flight.
import net from 'node:net';
import { RemoteEnv } from '../../client/remote-env.ts';
import { MAX_FRAMES_IN_FLIGHT, Player, type PlayerView } from '../../web/player.ts';
import type { FrameEncoding } from '../../protocol/frame-encoding.ts';
import { randomController } from '../../web/controllers.ts';
import type { BrowserEnv, PageFrame } from '../../web/remote-env.ts';

const [url, relayArg, envId, secondsArg, encodingArg, inFlightArg] = process.argv.slice(2);
const encoding = (encodingArg ?? 'png') as FrameEncoding;
const maxInFlight = inFlightArg ? Number(inFlightArg) : MAX_FRAMES_IN_FLIGHT;
const relayDelayMs = Number(relayArg);
const seconds = Number(secondsArg);

/** Forwards 127.0.0.1:port to host:port, each chunk `delayMs` later, in order, both ways. */
async function delayRelay(host: string, port: number, delayMs: number): Promise<net.Server> {
  const relay = net.createServer((inbound) => {
    const outbound = net.connect(port, host);
    inbound.setNoDelay(true);
    outbound.setNoDelay(true);
    const forward = (from: net.Socket, to: net.Socket) => {
      from.on('data', (chunk) => setTimeout(() => to.writable && to.write(chunk), delayMs));
      from.on('end', () => setTimeout(() => to.end(), delayMs));
      from.on('error', () => to.destroy());
    };
    forward(inbound, outbound);
    forward(outbound, inbound);
  });
  await new Promise<void>((resolve) => relay.listen(0, '127.0.0.1', resolve));
  return relay;
}

const target = new URL(url);
let relay: net.Server | null = null;
if (relayDelayMs > 0) {
  relay = await delayRelay(target.hostname, Number(target.port), relayDelayMs);
  target.hostname = '127.0.0.1';
  target.port = String((relay.address() as net.AddressInfo).port);
}
const env = await RemoteEnv.connect(target.toString().replace(/\/$/, ''), envId);
const { envs } = await env.connection.request('list_envs', { op: 'list_envs' });
const renderFps = envs.find((e) => e.id === envId)?.render_fps ?? 30;

await env.reset({ seed: 0 });
const trips: number[] = [];
const random = randomController(env.actionSpace);
for (let i = 0; i < 5; i++) {
  const t0 = performance.now();
  await env.step(random.action(0) as never);
  trips.push(performance.now() - t0);
}
let t0 = performance.now();
await env.renderEncoded('raw');
const rawFrameMs = performance.now() - t0;

const adapter = {
  reset: (seed: number | null) => env.reset({ seed: seed ?? undefined }),
  step: (action: unknown) => env.step(action as never),
  render: async (): Promise<PageFrame> => env.renderEncoded(encoding),
};
const shown: { t: number; bytes: number }[] = [];
const errors: string[] = [];
const view: PlayerView = {
  onReset: () => {},
  onStep: () => {},
  onEpisodeEnd: () => {},
  onFrame: (f) => shown.push({ t: performance.now(), bytes: f.data.length }),
  onError: (e) => errors.push(e.message),
};
const player = new Player(adapter as unknown as BrowserEnv, renderFps, random, view, undefined, maxInFlight);
t0 = performance.now();
player.start(0);
await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
await player.stop();
const measured = shown.filter((f) => f.t >= t0 + 1000 && f.t < t0 + seconds * 1000);
const sorted = [...trips].sort((a, b) => a - b);
console.log(
  JSON.stringify({
    env: envId,
    render_fps: renderFps,
    step_round_trip_ms: sorted[2],
    raw_frame_ms: rawFrameMs,
    frames: measured.length,
    frames_per_s: measured.length / (seconds - 1),
    mean_bytes: measured.reduce((n, f) => n + f.bytes, 0) / Math.max(1, measured.length),
    encoding,
    max_in_flight: maxInFlight,
    delay: relayDelayMs > 0 ? `relay ${relayDelayMs} ms each way` : 'kernel (netem) or none',
    counts: player.counts,
    errors,
  }),
);
await env.close();
relay?.close();
