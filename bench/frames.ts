// What a watched frame costs (protocol 1.3 frame encodings), for every registered env at its
// default size:
//   1. in process: the render, and on top of it each encoding's CPU, and the median bytes per
//      frame of each encoding over a random episode;
//   2. through a server in a child process (or --url, a running one): frames/s of a client doing
//      step + render per frame with one request pair in flight, and the server process's CPU per
//      frame (utime + stime from /proc, our own child only), per encoding — raw is the reference.
//
//   npm run bench:frames                       every env, 60 frames each
//   npm run bench:frames -- --frames 200 --env LunarLander-v3
//   npm run bench:frames -- --url ws://10.0.0.1:8765 --env LunarLander-v3    (no server CPU)
import { readFileSync } from 'node:fs';
import { make, registrations } from '../envs/index.ts';
import { defaultRng } from '../protocol/random.ts';
import { sample } from '../protocol/spaces.ts';
import { FRAME_ENCODINGS, type FrameEncoding } from '../protocol/frame-encoding.ts';
import { encodeFrame } from '../graphics/frame-encode.ts';
import { RemoteEnv } from '../client/remote-env.ts';
import { benchArgs } from './cli-args.ts';
import { startServerProcess } from './server-process.ts';

const USAGE = `
usage: npm run bench:frames -- [--frames N] [--env ID]... [--url ws://HOST:PORT] [--local-only]
  --frames N     frames per env and encoding (default 60)
  --env ID       only this env (repeatable; default every registered env)
  --url URL      measure against a running server (no server CPU figure)
  --local-only   only the in-process table
`;
const args = benchArgs(USAGE, {
  frames: { type: 'string', default: '60' },
  env: { type: 'string', multiple: true },
  url: { type: 'string' },
  'local-only': { type: 'boolean', default: false },
});
const frames = Number(args.frames);
const ids = args.env && args.env.length > 0 ? args.env : registrations().map((r) => r.id);

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const cpuUs = () => {
  const c = process.cpuUsage();
  return c.user + c.system;
};

/** Steps `env` with random actions (resetting at episode ends) and calls `each` after every step. */
function randomSteps(id: string, n: number, each: (env: ReturnType<typeof make>) => void): void {
  const env = make(id);
  const rng = defaultRng(0);
  env.reset({ seed: 0 });
  for (let i = 0; i < n; i++) {
    const r = env.step(sample(env.actionSpace, rng));
    if (r.terminated || r.truncated) env.reset();
    each(env);
  }
  env.close();
}

function inProcess(id: string): Record<string, string | number> {
  const bytes: Record<FrameEncoding, number[]> = { raw: [], zlib: [], png: [] };
  const us: Record<FrameEncoding, number> = { raw: 0, zlib: 0, png: 0 };
  let renderUs = 0;
  let size = '';
  randomSteps(id, frames, (env) => {
    let t = cpuUs();
    const frame = env.render();
    renderUs += cpuUs() - t;
    size = `${frame.width}x${frame.height}`;
    for (const e of FRAME_ENCODINGS) {
      t = cpuUs();
      bytes[e].push(encodeFrame(frame, e).length);
      us[e] += cpuUs() - t;
    }
  });
  return {
    env: id,
    size,
    render_us: Math.round(renderUs / frames),
    zlib_us: Math.round(us.zlib / frames),
    png_us: Math.round(us.png / frames),
    raw_bytes: median(bytes.raw),
    zlib_bytes: median(bytes.zlib),
    png_bytes: median(bytes.png),
  };
}

/** utime + stime of process `pid` in µs (Linux /proc; clock ticks are 100 Hz there). */
function processCpuUs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10_000;
}

async function remote(url: string, pid: number | null, id: string, encoding: FrameEncoding): Promise<Record<string, string | number>> {
  const env = await RemoteEnv.connect(url, id);
  const rng = defaultRng(0);
  let bytes = 0;
  const run = async (n: number) => {
    for (let i = 0; i < n; i++) {
      // The step and the frame after it travel together: one round trip per frame.
      const [r, f] = await Promise.all([env.step(sample(env.actionSpace, rng)), env.renderEncoded(encoding)]);
      bytes += f.data.length;
      if (r.terminated || r.truncated) await env.reset();
    }
  };
  await env.reset({ seed: 0 });
  await run(5);
  bytes = 0;
  const cpu0 = pid === null ? 0 : processCpuUs(pid);
  const t0 = performance.now();
  await run(frames);
  const wallS = (performance.now() - t0) / 1000;
  const serverUs = pid === null ? null : (processCpuUs(pid) - cpu0) / frames;
  await env.close();
  return {
    env: id,
    encoding,
    frames_per_s: Math.round(frames / wallS),
    mean_bytes: Math.round(bytes / frames),
    server_cpu_us_per_frame: serverUs === null ? 'n/a' : Math.round(serverUs),
  };
}

if (!args.url) {
  console.log('in process: CPU µs per frame (render, and each encoding on top), median bytes per frame');
  console.table(ids.map(inProcess));
}
if (!args['local-only']) {
  const server = args.url ? null : await startServerProcess();
  try {
    const url = args.url ?? server!.url;
    console.log(`through ${url}: step + render per frame, one pair in flight; server CPU from /proc (${server ? 'child' : 'n/a'})`);
    const rows = [];
    for (const id of ids) for (const e of FRAME_ENCODINGS) rows.push(await remote(url, server?.child.pid ?? null, id, e));
    console.table(rows);
  } finally {
    await server?.stop();
  }
}
