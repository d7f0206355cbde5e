// The env page's play loop across a shaped link (test/e2e/shaped-link.ts: a network namespace,
// tbf 20 Mbit/s, a 50 ms round trip), before protocol 1.3 (raw frames, one frame in flight, as
// the page played then) and after (PNG frames, as many in flight as the round trip needs), and
// the same two with no link: frames/s, bytes per frame, round trip. Needs root and iproute2.
//
//   npm run bench:shaped-link -- [--env LunarLander-v3] [--seconds 6]
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { benchArgs } from './cli-args.ts';
import { startServer } from '../server/server.ts';
import { createShapedLink, removeLeftovers, shapedLinkMissing } from '../test/e2e/shaped-link.ts';

const args = benchArgs('usage: npm run bench:shaped-link -- [--env ID] [--seconds S]', {
  env: { type: 'string', default: 'LunarLander-v3' },
  seconds: { type: 'string', default: '6' },
});
const missing = shapedLinkMissing();
if (missing) throw new Error(missing);
const TOKEN = 'shaped-link-bench-token-0123456789';
removeLeftovers();
const link = createShapedLink();
try {
  const server = await startServer({ host: link.hostAddress, port: 0, token: TOKEN, log: () => {} });
  const rows = [];
  for (const [where, ns, delay] of [
    ['shaped link', link.ns, link.relayDelayMs],
    ['no link', null, 0],
  ] as const) {
    for (const [mode, encoding, inFlight] of [
      ['before (raw, 1 in flight)', 'raw', '1'],
      ['after (png, pipelined)', 'png', ''],
    ]) {
      const client = [
        process.execPath,
        '--import',
        'tsx',
        'test/e2e/shaped-link-client.ts',
        server.url,
        String(delay),
        args.env!,
        args.seconds!,
        encoding,
      ];
      if (inFlight) client.push(inFlight);
      const [cmd, ...rest] = ns === null ? client : ['ip', 'netns', 'exec', ns, ...client];
      const { stdout } = await promisify(execFile)(cmd, rest, { env: { ...process.env, GYMWIRE_TOKEN: TOKEN }, timeout: 120_000 });
      const r = JSON.parse(stdout.trim().split('\n').pop()!);
      rows.push({
        where,
        mode,
        render_fps: r.render_fps,
        frames_per_s: Number(r.frames_per_s.toFixed(1)),
        bytes_per_frame: Math.round(r.mean_bytes),
        step_round_trip_ms: Math.round(r.step_round_trip_ms),
        delay: ns === null ? 'none' : r.delay,
      });
    }
  }
  console.log(`${args.env}, the page's play loop in Node, random actions, ${args.seconds} s (frames/s after the first second)`);
  console.table(rows);
  await server.close();
} finally {
  link.remove();
}
