import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { rollout, randomPolicy, parseCli, main, UsageError } from '../../agents/rollout.ts';
import { make } from '../../envs/index.ts';
import { startServer } from '../../server/server.ts';
import { saveActor, loadActor } from '../../agents/actor-io.ts';
import { actorSpec, paramCount } from '../../agents/networks.ts';
import { decodeGif, type DecodedGif } from '../graphics/gif-decoder.ts';

const dir = mkdtempSync(join(tmpdir(), 'gymwire-rollout-'));
after(() => rmSync(dir, { recursive: true, force: true }));
const root = fileURLToPath(new URL('../../', import.meta.url));

function distinctColours(rgb: Uint8Array): number {
  const s = new Set<number>();
  for (let i = 0; i < rgb.length; i += 3) s.add((rgb[i] << 16) | (rgb[i + 1] << 8) | rgb[i + 2]);
  return s.size;
}

function assertAnimatedAndNotBlank(d: DecodedGif): void {
  for (const f of d.frames) assert.ok(distinctColours(f.rgb) >= 2, 'frame is not a single flat colour');
  const changed = d.frames.slice(1).filter((f, i) => !Buffer.from(f.rgb).equals(Buffer.from(d.frames[i].rgb)));
  assert.ok(changed.length > 0, 'something moves between frames');
}

test('Pendulum-v1 random rollout: one frame per step plus the reset frame, 500x500, animated', async () => {
  const env = make('Pendulum-v1');
  const gifPath = join(dir, 'pendulum.gif');
  const r = await rollout({ env, policy: randomPolicy(env, 3), gifPath, seed: 3, maxSteps: 12, fps: 30 });
  assert.equal(r.steps, 12);
  assert.equal(r.frames, 13);
  assert.equal(r.terminated || r.truncated, false);
  assert.ok(r.episodeReturn < 0, 'pendulum rewards are costs');
  const bytes = readFileSync(gifPath);
  assert.equal(bytes.length, r.bytes);
  const d = decodeGif(bytes);
  assert.equal(d.width, 500);
  assert.equal(d.height, 500);
  assert.equal(d.loop, 0);
  assert.equal(d.frames.length, 13);
  assertAnimatedAndNotBlank(d);
  // The first frame is exactly what the env renders after reset with that seed.
  const check = make('Pendulum-v1');
  check.reset({ seed: 3 });
  assert.deepEqual(d.frames[0].rgb, check.render().data);
});

test('--every keeps every n-th frame and always the last one', async () => {
  const env = make('Pendulum-v1');
  const gifPath = join(dir, 'every.gif');
  const r = await rollout({ env, policy: randomPolicy(env, 0), gifPath, seed: 0, maxSteps: 10, every: 4 });
  // reset, steps 4, 8, and the final step 10
  assert.equal(r.frames, 4);
  assert.equal(decodeGif(readFileSync(gifPath)).frames.length, 4);
});

test('the same seed gives the same episode and GIF; the random policy samples the action space', async () => {
  const run = async (name: string, seed: number) => {
    const env = make('CartPole-v1');
    const r = await rollout({ env, policy: randomPolicy(env, seed), gifPath: join(dir, name), seed, maxSteps: 30 });
    return { r, bytes: readFileSync(join(dir, name)) };
  };
  const a = await run('a.gif', 5);
  const b = await run('b.gif', 5);
  assert.equal(a.r.episodeReturn, b.r.episodeReturn);
  assert.ok(a.bytes.equals(b.bytes));
  const env = make('CartPole-v1');
  const policy = randomPolicy(env, 1);
  const actions = new Set<unknown>();
  for (let i = 0; i < 50; i++) actions.add(await policy(new Float32Array(4)));
  assert.deepEqual([...actions].sort(), [0, 1]);
});

test('CLI: CartPole-v1 --random writes a 600x400 GIF with steps+1 frames and reports return, steps and path', () => {
  const gifPath = join(dir, 'sub', 'cartpole.gif');
  const res = spawnSync(
    process.execPath,
    ['--import', 'tsx', 'agents/rollout.ts', '--env', 'CartPole-v1', '--random', '--max-steps', '8', '--seed', '2', '--gif', gifPath],
    { cwd: root, encoding: 'utf8', timeout: 60_000 },
  );
  assert.equal(res.status, 0, res.stderr);
  const m = /episode return (-?[\d.]+) over (\d+) steps/.exec(res.stdout);
  assert.ok(m, res.stdout);
  const steps = Number(m[2]);
  assert.ok(steps >= 1 && steps <= 8);
  // CartPole pays 1 per step.
  assert.equal(Number(m[1]), steps);
  assert.ok(res.stdout.includes(gifPath), res.stdout);
  assert.ok(existsSync(gifPath));
  const d = decodeGif(readFileSync(gifPath));
  assert.equal(d.width, 600);
  assert.equal(d.height, 400);
  assert.equal(d.frames.length, steps + 1);
  assertAnimatedAndNotBlank(d);
  // 50 fps (CartPole's render_fps) is 2 centiseconds per frame.
  assert.ok(d.frames.every((f) => f.delayCs === 2));
});

test('CLI: --help, and usage errors exit with 2', async () => {
  assert.equal(parseCli(['--help']), null);
  assert.throws(() => parseCli(['--gif', 'x.gif']), UsageError);
  assert.throws(() => parseCli(['--env', 'CartPole-v1']), UsageError);
  assert.throws(() => parseCli(['--env', 'CartPole-v1', '--gif', 'x.gif', '--random', '--checkpoint', 'd']), UsageError);
  assert.throws(() => parseCli(['--env', 'CartPole-v1', '--gif', 'x.gif', '--max-steps', '0']), UsageError);
  assert.throws(() => parseCli(['--env', 'CartPole-v1', '--gif', 'x.gif', '--kwargs', '[1]']), UsageError);
  const args = parseCli(['--env', 'Pendulum-v1', '--gif', 'x.gif', '--kwargs', '{"g": 9.81}', '--seed', '4', '--fps', '12.5']);
  assert.deepEqual(args && { kwargs: args.kwargs, seed: args.seed, fps: args.fps, maxSteps: args.maxSteps }, {
    kwargs: { g: 9.81 },
    seed: 4,
    fps: 12.5,
    maxSteps: undefined,
  });
  const log = console.log;
  const err = console.error;
  const out: string[] = [];
  console.log = (s: string) => out.push(s);
  console.error = (s: string) => out.push(s);
  try {
    assert.equal(await main(['--help']), 0);
    assert.match(out.join('\n'), /--checkpoint DIR/);
    assert.equal(await main(['--bogus']), 2);
  } finally {
    console.log = log;
    console.error = err;
  }
});

test('remote rollout through a gymwire server gives the same GIF as the local one', async () => {
  const server = await startServer({ port: 0 });
  const log = console.log;
  const out: string[] = [];
  console.log = (s: string) => out.push(s);
  try {
    const remote = join(dir, 'remote.gif');
    const local = join(dir, 'local.gif');
    const common = ['--env', 'Pendulum-v1', '--random', '--seed', '7', '--max-steps', '15', '--kwargs', '{"g": 9.0}'];
    assert.equal(await main([...common, '--url', server.url, '--gif', remote]), 0);
    assert.equal(await main([...common, '--gif', local]), 0);
    assert.ok(readFileSync(remote).equals(readFileSync(local)), 'identical GIFs');
    assert.equal(decodeGif(readFileSync(remote)).frames.length, 16);
    assert.ok(out.some((l) => l.includes(server.url)));
  } finally {
    console.log = log;
    await server.close();
  }
});

test('--checkpoint: rolls out a saved DDPG actor deterministically, taking the env from the actor', async () => {
  const description = { envId: 'Pendulum-v1', obsDim: 3, actDim: 1, hidden: [8], low: [-2], high: [2] };
  const params = new Float32Array(paramCount(actorSpec(3, 1, [8])));
  for (let i = 0; i < params.length; i++) params[i] = Math.sin(i * 1.7) * 0.8;
  const actorDir = join(dir, 'actor');
  saveActor(actorDir, description, params);
  const log = console.log;
  const out: string[] = [];
  console.log = (s: string) => out.push(s);
  const gifPath = join(dir, 'actor.gif');
  try {
    assert.equal(await main(['--checkpoint', actorDir, '--seed', '4', '--max-steps', '20', '--gif', gifPath]), 0);
  } finally {
    console.log = log;
  }
  assert.ok(out[0].startsWith('Pendulum-v1'), out[0]);
  // Replay the same episode by hand with the loaded actor: same return, printed to 3 decimals.
  const actor = loadActor(actorDir);
  const env = make('Pendulum-v1');
  let { obs } = env.reset({ seed: 4 });
  let ret = 0;
  const actions = new Set<number>();
  for (let t = 0; t < 20; t++) {
    const a = actor.act(obs as Float32Array);
    actions.add(a[0]);
    const r = env.step(a);
    obs = r.obs;
    ret += r.reward;
  }
  assert.ok(actions.size > 1, 'the actor reacts to the observation');
  assert.ok(out[1].includes(`episode return ${ret.toFixed(3)} over 20 steps`), out[1]);
  assert.equal(decodeGif(readFileSync(gifPath)).frames.length, 21);
  // An actor for 3 observation values cannot drive CartPole (4).
  await assert.rejects(main(['--checkpoint', actorDir, '--env', 'CartPole-v1', '--gif', join(dir, 'x.gif')]), /observation values/);
});

test("over a remote env a kept frame's render travels with the next step (one round trip per frame), frames in order", async () => {
  const local = make('CartPole-v1');
  let inFlight = 0;
  let overlapped = 0;
  /** Answers on a later turn of the event loop, as a server would; counts calls that overlap. */
  const later = <T>(value: T): Promise<T> => {
    inFlight++;
    if (inFlight > 1) overlapped++;
    return new Promise((resolve) => setImmediate(() => (inFlight--, resolve(value))));
  };
  const remoteLike = {
    observationSpace: local.observationSpace,
    actionSpace: local.actionSpace,
    reset: (args?: { seed?: number }) => later(local.reset(args)),
    step: (a: number) => later(local.step(a)),
    render: () => later(local.render()),
    close: () => local.close(),
  };
  const gifPath = join(dir, 'overlap.gif');
  const r = await rollout({ env: remoteLike as never, policy: randomPolicy(local, 2), gifPath, seed: 2, maxSteps: 10 });
  assert.equal(r.frames, 11);
  // Steps 2..10 each overlap the render of the frame before them (the reset's frame is awaited: it sizes the GIF).
  assert.equal(overlapped, 9, 'each step overlaps the render before it');
  // The same episode locally, rendered strictly in turn: the GIF is identical.
  const again = make('CartPole-v1');
  const localGif = join(dir, 'overlap-local.gif');
  await rollout({ env: again, policy: randomPolicy(again, 2), gifPath: localGif, seed: 2, maxSteps: 10 });
  assert.ok(readFileSync(gifPath).equals(readFileSync(localGif)));
});
