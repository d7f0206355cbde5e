// Crash safety: `npm run train` killed with SIGKILL mid-run resumes from its last checkpoint
// with the step counter, networks, optimizer, RNG and replay buffer it had saved.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { selectBackend } from '../../agents/backends/choice.ts';
import { buildConfig } from '../../agents/config.ts';
import { readCheckpoint } from '../../agents/checkpoints.ts';
import { train } from '../../agents/trainer.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const FLAGS = [
  '--env',
  'Pendulum-v1',
  '--actor-hidden',
  '16,16',
  '--critic-hidden',
  '16,16',
  '--batch-size',
  '32',
  '--learning-starts',
  '100',
  '--checkpoint-every',
  '100',
  '--save-replay',
  '--eval-every',
  '0',
  '--backend',
  'wasm',
  '--seed',
  '4',
];

before(async () => {
  await selectBackend('wasm');
});

function trainCli(args: string[]) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'agents/train.ts', ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return { child, exited, output: () => output };
}

/** The step of the checkpoint in `dir`, or -1 while there is none (or it is being swapped in). */
function checkpointStep(dir: string): number {
  try {
    return readCheckpoint(dir).state.step;
  } catch {
    return -1;
  }
}

test('SIGKILL mid-run, then --resume continues from the last checkpoint with everything it saved', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'ddpg-crash-'));
  const run = trainCli([...FLAGS, '--steps', '20000', '--out', dir]);
  // Kill once at least three checkpoints were written (so one replaced another), well before the end.
  const deadline = Date.now() + 60_000;
  while (checkpointStep(dir) < 300) {
    if (Date.now() > deadline) assert.fail(`no checkpoint at step 300 within 60 s; output:\n${run.output()}`);
    const early = await Promise.race([run.exited, new Promise((r) => setTimeout(r, 50, null))]);
    if (early) assert.fail(`training exited early: ${JSON.stringify(early)}\n${run.output()}`);
  }
  run.child.kill('SIGKILL');
  assert.deepEqual(await run.exited, { code: null, signal: 'SIGKILL' });

  const killed = readCheckpoint(dir);
  const S = killed.state.step;
  assert.ok(S >= 300 && S < 20_000 && S % 100 === 0, `checkpoint step ${S}`);
  assert.equal(killed.state.replay?.size, S);
  const metricsAtKill = readFileSync(join(dir, 'metrics.jsonl'), 'utf8').trim().split('\n').filter(Boolean);

  // In-process resume that stops at once: its final checkpoint must be the killed one, restored exactly.
  const log: string[] = [];
  const copy = join(mkdtempSync(join(tmpdir(), 'ddpg-crash-copy-')), 'run');
  const c = buildConfig({}, { ...killed.state.config, out: copy });
  const r = await train(c, { resume: dir, out: { write: (s: string) => log.push(s) }, shouldStop: () => true });
  assert.equal(r.steps, S);
  assert.match(log.join(''), new RegExp(`resumed from \\S+ at step ${S} \\(${killed.state.episodes} episodes, replay ${S} transitions\\)`));
  const again = readCheckpoint(copy);
  for (const f of [
    'params.bin',
    'target.bin',
    'adam_m.bin',
    'adam_v.bin',
    'replay_obs.bin',
    'replay_actions.bin',
    'replay_rewards.bin',
    'replay_next_obs.bin',
    'replay_terminated.bin',
    'actor.bin',
  ]) {
    assert.ok(Buffer.from(again.files.get(f)!).equals(Buffer.from(killed.files.get(f)!)), `${f} restored exactly`);
  }
  assert.equal(again.state.adamStep, killed.state.adamStep);
  assert.equal(again.state.updates, killed.state.updates);
  assert.deepEqual(again.state.rng, killed.state.rng);
  assert.deepEqual(again.state.replay, killed.state.replay);

  // The CLI resumes the killed run itself and carries on to S + 200 steps.
  const resumed = trainCli(['--resume', dir, '--steps', String(S + 200)]);
  const exit = await resumed.exited;
  assert.equal(exit.code, 0, resumed.output());
  assert.match(
    resumed.output(),
    new RegExp(`resumed from \\S+ at step ${S} \\(${killed.state.episodes} episodes, replay ${S} transitions\\)`),
  );
  assert.match(resumed.output(), new RegExp(`done: ${S + 200} steps`));
  const final = readCheckpoint(dir).state;
  assert.equal(final.step, S + 200);
  assert.equal(final.replay?.size, S + 200);
  assert.ok(final.updates > killed.state.updates);
  // History: records up to the checkpoint kept, later ones from the killed run dropped, new ones follow.
  const rows = readFileSync(join(dir, 'metrics.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  const before = metricsAtKill.map((l) => JSON.parse(l)).filter((x) => x.step <= S);
  assert.deepEqual(rows.slice(0, before.length), before);
  assert.ok(rows.slice(before.length).every((x) => x.step > S));
  const episodes = rows.filter((x) => x.type === 'episode').map((x) => x.episode);
  assert.deepEqual(
    episodes,
    episodes.map((_, k) => k + 1),
    'episode numbers continue without gaps or repeats',
  );
});
