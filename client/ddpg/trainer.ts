// The training loop: act (uniform warm-up, then μ(s) + noise), store, update, evaluate,
// log, plot, checkpoint. Collects from a batch of N sub-envs (env-group.ts) with Gymnasium's
// NEXT_STEP autoreset, so in-process vector envs, remote vector envs on several servers and
// single envs all train the same way. A dropped connection cuts the running episodes (logged
// as interrupted) and collection goes on with fresh episodes on the re-made envs.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EnvLike } from '../../protocol/env-api.ts';
import type { BoxSpace } from '../../protocol/schema/spaces.ts';
import type { VectorEnvLike } from '../../protocol/vector-api.ts';
import { GymwireError } from '../../protocol/errors.ts';
import { defaultRng, type GeneratorState, type NumpyGenerator } from '../../protocol/random.ts';
import { serverUrls, type TrainConfig } from './config.ts';
import * as tf from '@tensorflow/tfjs';
import { DdpgLearner, fasterEngine, resolveEngine, type Batch, type LearnerEngine, type LearnerOptions } from './learner.ts';
import { ActionNoise, type NoiseState } from './noise.ts';
import { ReplayBuffer, type ReplaySnapshot } from './replay-buffer.ts';
import { MetricsLog } from './metrics.ts';
import { curvePng, curveSvg } from './plot.ts';
import { actorFiles, scaleAction, CHECKPOINT_FORMAT, type ActorDescription } from './actor-io.ts';
import { floatsOf, readSnapshot, snapshotIn, textOf, writeSnapshot, CheckpointError } from './checkpoint-io.ts';
import { EnvGroup, singleEnvPart, spreadEnvs, vectorPart, type BatchPart } from './env-group.ts';

export type EnvFactory = (config: TrainConfig) => Promise<EnvLike>;
/** Opens the training envs as vector envs whose sub-envs add up to config.numEnvs. */
export type VectorEnvFactory = (config: TrainConfig) => Promise<VectorEnvLike[]>;

/** What the trainer's remote envs connect with. */
function connectOptions(c: TrainConfig): { requestTimeoutMs: number } {
  return { requestTimeoutMs: c.requestTimeout * 1000 };
}

/** One env: make() in this process, or RemoteEnv on the first server (each imported only when used). */
export const openEnv: EnvFactory = async (c) => {
  const [url] = serverUrls(c);
  if (url) {
    const { RemoteEnv } = await import('../remote-env.ts');
    return RemoteEnv.connect(url, c.env, c.envKwargs, connectOptions(c));
  }
  const { make } = await import('../../envs/index.ts');
  return make(c.env, c.envKwargs);
};

/**
 * The training envs: one SyncVectorEnv of numEnvs in this process, or, with servers, their
 * share of the numEnvs sub-envs on each server (spreadEnvs).
 */
export async function openTrainingEnvs(c: TrainConfig): Promise<BatchPart[]> {
  const urls = serverUrls(c);
  if (urls.length === 0) {
    const { makeVec } = await import('../../envs/index.ts');
    // copy: false — the group copies each result out before the next step.
    return [vectorPart(makeVec(c.env, c.numEnvs, c.envKwargs, { copy: false }))];
  }
  const { RemoteVectorEnv } = await import('../remote-vector-env.ts');
  const { RemoteEnv } = await import('../remote-env.ts');
  const shares = spreadEnvs(c.numEnvs, urls.length);
  const parts: BatchPart[] = [];
  try {
    for (let k = 0; k < urls.length; k++) {
      try {
        // Each server hosts its share as one vector env: one request per server per vector step.
        parts.push(vectorPart(await RemoteVectorEnv.connect(urls[k], c.env, shares[k], c.envKwargs, connectOptions(c))));
      } catch (e) {
        // Vector envs are optional in the protocol: a server without them still trains us,
        // one single env per sub-env, with the autoreset done on this side.
        if (!(e instanceof GymwireError && e.code === 'unsupported')) throw e;
        for (let i = 0; i < shares[k]; i++) parts.push(singleEnvPart(await RemoteEnv.connect(urls[k], c.env, c.envKwargs, connectOptions(c))));
      }
    }
  } catch (e) {
    await closeQuietly(parts);
    throw e;
  }
  return parts;
}

async function closeQuietly(parts: { close(): unknown }[]): Promise<void> {
  for (const p of parts) {
    try {
      await p.close();
    } catch {
      // closing after a failure: the first error is the one worth reporting
    }
  }
}

export interface TrainOptions {
  /** Checkpoint dir (or run dir holding checkpoint/) to continue from. */
  resume?: string;
  /**
   * Makes one env. Used for evaluation, and for training (numEnvs of them, each a sub-env
   * with autoreset done by the trainer) unless vectorEnvFactory is given.
   */
  envFactory?: EnvFactory;
  /** Makes the training envs as vector envs (default: openTrainingEnvs). */
  vectorEnvFactory?: VectorEnvFactory;
  /** Where progress lines go; defaults to stdout. */
  out?: NodeJS.WriteStream | { write(s: string): unknown; isTTY?: boolean };
  /** Also stop (with a final checkpoint) when this returns true, e.g. on SIGINT. */
  shouldStop?: () => boolean;
}

export interface EvalResult {
  mean: number;
  std: number;
  returns: number[];
}

export interface TrainResult {
  steps: number;
  episodes: number;
  updates: number;
  numEnvs: number;
  wallSeconds: number;
  lastEval: EvalResult | null;
  evals: { step: number; mean: number; std: number; wallSeconds: number }[];
  episodeReturns: number[];
  /** Episodes cut by a dropped connection in this run (and before, when resumed). */
  interrupted: number;
}

interface CheckpointState {
  config: TrainConfig;
  step: number;
  episodes: number;
  updates: number;
  adamStep: number;
  rng: GeneratorState;
  /** One per sub-env (a single object in checkpoints from before multi-env collection). */
  noise: NoiseState[] | NoiseState;
  /** How many times every sub-env was reset from scratch (start, resume, reconnect): seeds the next. */
  resets?: number;
  wallSeconds: number;
  lastEval: EvalResult | null;
  replay: Omit<ReplaySnapshot, 'obs' | 'actions' | 'rewards' | 'nextObs' | 'terminated'> | null;
}

/** The connection under an env call dropped (the client may have reconnected and re-made the env). */
export function isConnectionLoss(e: unknown): e is GymwireError {
  return e instanceof GymwireError && e.code === 'connection_lost';
}

export function boxOf(space: EnvLike['actionSpace'], what: string): BoxSpace {
  if (space.type !== 'Box') throw new Error(`DDPG needs a Box ${what} space, got ${space.type}`);
  return space;
}

function toFloat32(obs: unknown, dim: number): Float32Array {
  const a = obs instanceof Float32Array ? obs : Float32Array.from(obs as ArrayLike<number>);
  if (a.length !== dim) throw new Error(`observation has ${a.length} values, expected ${dim}`);
  return a;
}

/** Runs the deterministic actor for n episodes seeded seed0, seed0+1, ...; undiscounted returns. */
export async function evaluatePolicy(env: EnvLike, act: (obs: Float32Array) => Float32Array, episodes: number, seed0: number, obsDim: number): Promise<EvalResult> {
  const returns: number[] = [];
  for (let i = 0; i < episodes; i++) {
    let obs = toFloat32((await env.reset({ seed: seed0 + i })).obs, obsDim);
    let ret = 0;
    for (;;) {
      const r = await env.step(act(obs));
      ret += r.reward;
      obs = toFloat32(r.obs, obsDim);
      if (r.terminated || r.truncated) break;
    }
    returns.push(ret);
  }
  const mean = returns.reduce((a, b) => a + b, 0) / returns.length;
  const std = Math.sqrt(returns.reduce((a, b) => a + (b - mean) ** 2, 0) / returns.length);
  return { mean, std, returns };
}

function replayBytes(s: ReplaySnapshot): Record<string, Float32Array> {
  return { 'replay_obs.bin': s.obs, 'replay_actions.bin': s.actions, 'replay_rewards.bin': s.rewards, 'replay_next_obs.bin': s.nextObs, 'replay_terminated.bin': s.terminated };
}

/** The checkpoint directory of a run dir or checkpoint dir (a killed save's previous snapshot if need be). */
export function checkpointDir(dir: string): string {
  return snapshotIn(dir, 'checkpoint');
}

/** Reads and verifies a checkpoint; throws CheckpointError naming what is missing or damaged. */
export function readCheckpoint(dir: string): { dir: string; files: Map<string, Uint8Array>; state: CheckpointState } {
  const cdir = checkpointDir(dir);
  const files = readSnapshot(cdir, CHECKPOINT_FORMAT);
  let state: CheckpointState;
  try {
    state = JSON.parse(textOf(files, 'state.json')) as CheckpointState;
  } catch (e) {
    throw e instanceof CheckpointError ? e : new CheckpointError(`${join(cdir, 'state.json')} is not valid JSON: ${(e as Error).message}`);
  }
  return { dir: cdir, files, state };
}

/**
 * The envs of a run: the training batch and the evaluation env, each re-openable when its
 * connection is gone for good (a last resort under the clients' own reconnects).
 */
class RunEnvs {
  group!: EnvGroup;
  evalEnv: EnvLike | null = null;
  private parts: BatchPart[] = [];

  constructor(
    private readonly c: TrainConfig,
    private readonly openParts: () => Promise<BatchPart[]>,
    private readonly openEval: (() => Promise<EnvLike>) | null,
  ) {}

  async open(): Promise<void> {
    await this.openGroup();
    if (this.openEval) this.evalEnv = await this.openEval();
  }

  private async openGroup(): Promise<void> {
    this.parts = await this.openParts();
    this.group = new EnvGroup(this.parts);
    if (this.group.numEnvs !== this.c.numEnvs) throw new Error(`the env factory made ${this.group.numEnvs} sub-envs, config.numEnvs is ${this.c.numEnvs}`);
  }

  /** Closes the training envs and opens them again, retrying with backoff while they are unreachable. */
  async reopenGroup(log: (s: string) => void): Promise<void> {
    await closeQuietly(this.parts);
    this.parts = [];
    await this.retry('training envs', () => this.openGroup(), log);
  }

  async reopenEval(log: (s: string) => void): Promise<void> {
    if (!this.openEval) return;
    if (this.evalEnv) await closeQuietly([this.evalEnv]);
    this.evalEnv = null;
    const open = this.openEval;
    await this.retry('evaluation env', async () => {
      this.evalEnv = await open();
    }, log);
  }

  private async retry(what: string, open: () => Promise<void>, log: (s: string) => void): Promise<void> {
    const { reconnectAttempts: attempts, reconnectDelay: delay } = this.c;
    let last: unknown = new GymwireError('connection_lost', `${what}: no reconnect attempts allowed (--reconnect-attempts 0)`);
    for (let k = 0; k < attempts; k++) {
      const wait = Math.min(8, delay * 2 ** k);
      log(`opening the ${what} again in ${wait.toFixed(1)} s (attempt ${k + 1}/${attempts})`);
      await new Promise((r) => setTimeout(r, wait * 1000));
      try {
        return await open();
      } catch (e) {
        if (!isConnectionLoss(e)) throw e;
        last = e;
      }
    }
    throw last;
  }

  async close(): Promise<void> {
    await closeQuietly(this.parts);
    if (this.evalEnv) await closeQuietly([this.evalEnv]);
  }
}

export async function train(config: TrainConfig, options: TrainOptions = {}): Promise<TrainResult> {
  const c = config;
  const out = options.out ?? process.stdout;
  const envFactory = options.envFactory;
  mkdirSync(c.out, { recursive: true });

  // Read the checkpoint before opening envs: a damaged one fails fast with its own message.
  const resumed = options.resume ? readCheckpoint(options.resume) : null;
  if (resumed && resumed.state.config.env !== c.env) throw new CheckpointError(`checkpoint is for ${resumed.state.config.env}, not ${c.env}`);

  const openParts = async (): Promise<BatchPart[]> => {
    if (options.vectorEnvFactory) return (await options.vectorEnvFactory(c)).map(vectorPart);
    if (!envFactory) return openTrainingEnvs(c);
    const parts: BatchPart[] = [];
    try {
      for (let i = 0; i < c.numEnvs; i++) parts.push(singleEnvPart(await envFactory(c)));
    } catch (e) {
      await closeQuietly(parts);
      throw e;
    }
    return parts;
  };
  const envs = new RunEnvs(c, openParts, c.evalEvery > 0 ? () => (envFactory ?? openEnv)(c) : null);
  try {
    await envs.open();
    return await runTraining(c, envs, resumed, out, options.shouldStop);
  } finally {
    await envs.close();
  }
}

/**
 * 'auto' and 'kernels' mean our kernels where they run, a tfjs backend name means tfjs (selectBackend
 * set it up). 'auto' with tfjs-node loaded times both on this run's sizes and keeps the faster.
 */
function chooseEngine(c: TrainConfig, opts: LearnerOptions, out: NonNullable<TrainOptions['out']>): LearnerEngine | 'auto' {
  if (c.backend !== 'auto') return c.backend === 'kernels' ? 'kernels' : 'tfjs';
  if (tf.getBackend() !== 'tensorflow' || resolveEngine('auto').engine !== 'kernels') return 'auto';
  const { engine, rates } = fasterEngine(opts, c.batchSize);
  out.write(`timed the learners on this run's sizes: kernels ${rates.kernels.toFixed(0)} updates/s, tfjs-node ${rates.tfjs.toFixed(0)} updates/s; using ${engine}\n`);
  return engine;
}

async function runTraining(
  c: TrainConfig,
  envs: RunEnvs,
  resumed: ReturnType<typeof readCheckpoint> | null,
  out: NonNullable<TrainOptions['out']>,
  shouldStop: (() => boolean) | undefined,
): Promise<TrainResult> {
  const N = envs.group.numEnvs;
  const { obsDim, actDim } = envs.group;
  const actSpace = envs.group.actionSpace;
  if (actSpace.low.some((x) => !Number.isFinite(x)) || actSpace.high.some((x) => !Number.isFinite(x))) {
    throw new Error('DDPG needs finite action bounds');
  }
  const description: ActorDescription = { envId: c.env, obsDim, actDim, hidden: c.actorHidden, low: actSpace.low, high: actSpace.high };

  const learnerOpts = { obsDim, actDim, actorHidden: c.actorHidden, criticHidden: c.criticHidden, gamma: c.gamma, tau: c.tau, actorLr: c.actorLr, criticLr: c.criticLr, seed: c.seed, threads: c.learnerThreads };
  const learner = new DdpgLearner({ ...learnerOpts, engine: chooseEngine(c, learnerOpts, out) });
  out.write(`${learner.describe()}\n`);
  try {
    const buffer = new ReplayBuffer(Math.min(c.bufferSize, c.steps), obsDim, actDim);
    // Per-sub-env noise (OU state is per episode). Each samples about steps/N times, so the σ decay is spread over that many.
    const decay = c.noiseDecaySteps > 0 ? Math.max(1, Math.round(c.noiseDecaySteps / N)) : 0;
    const noises = Array.from({ length: N }, () => new ActionNoise(actDim, { kind: c.noise, sigma: c.noiseSigma, sigmaFinal: c.noiseSigmaFinal, sigmaDecaySteps: decay, theta: c.ouTheta, dt: c.ouDt }));
    // One stream for warm-up actions, noise and replay sampling, distinct from the weight-init stream.
    const rng: NumpyGenerator = defaultRng([c.seed, 0x5eed]);
    let step = 0;
    let episodes = 0;
    let updates = 0;
    let resets = 0;
    let wallBase = 0;
    let lastEval: EvalResult | null = null;

    if (resumed) {
      const { dir, files, state: st } = resumed;
      const get = (n: string) => {
        const b = files.get(n);
        if (!b) throw new CheckpointError(`checkpoint ${dir} has no ${n}`);
        return floatsOf(b);
      };
      learner.setState({ params: get('params.bin'), target: get('target.bin'), adamM: get('adam_m.bin'), adamV: get('adam_v.bin'), adamStep: st.adamStep });
      rng.setState(st.rng);
      // Every sub-env starts a fresh episode, so only the σ-decay clocks carry over.
      const saved = Array.isArray(st.noise) ? st.noise : [st.noise];
      const totalT = saved.reduce((a, n) => a + n.t, 0);
      noises.forEach((n, i) => n.setState({ x: new Array<number>(actDim).fill(0), t: saved.length === N ? saved[i].t : Math.floor(totalT / N) }));
      if (st.replay) {
        buffer.restore({ ...st.replay, obs: get('replay_obs.bin'), actions: get('replay_actions.bin'), rewards: get('replay_rewards.bin'), nextObs: get('replay_next_obs.bin'), terminated: get('replay_terminated.bin') });
      }
      ({ step, episodes, updates, lastEval } = st);
      resets = st.resets ?? 1;
      wallBase = st.wallSeconds;
      out.write(`resumed from ${dir} at step ${step} (${episodes} episodes, replay ${buffer.size} transitions${st.replay ? '' : ' — not saved, refilling'})\n`);
    }
    writeFileSync(join(c.out, 'config.json'), JSON.stringify(c, null, 2) + '\n');
    const metrics = new MetricsLog(c.out, resumed ? step : null);

    const t0 = performance.now();
    const wall = () => wallBase + (performance.now() - t0) / 1000;
    const writePlots = () => {
      const data = { title: `DDPG ${c.env} (seed ${c.seed})`, episodes: metrics.episodes, evals: metrics.evals };
      writeFileSync(join(c.out, 'learning-curve.svg'), curveSvg(data));
      writeFileSync(join(c.out, 'learning-curve.png'), curvePng(data));
    };
    const checkpointPath = join(c.out, 'checkpoint');
    const saveCheckpoint = () => {
      const ls = learner.getState();
      const snap = c.saveReplay ? buffer.snapshot() : null;
      const state: CheckpointState = {
        config: c, step, episodes, updates, adamStep: ls.adamStep, rng: rng.getState(), noise: noises.map((n) => n.getState()), resets, wallSeconds: wall(), lastEval,
        replay: snap ? { capacity: snap.capacity, obsDim: snap.obsDim, actDim: snap.actDim, size: snap.size, next: snap.next } : null,
      };
      writeSnapshot(checkpointPath, CHECKPOINT_FORMAT, {
        'state.json': JSON.stringify(state, null, 2),
        'params.bin': ls.params,
        'target.bin': ls.target,
        'adam_m.bin': ls.adamM,
        'adam_v.bin': ls.adamV,
        ...actorFiles(description, learner.actorParams()),
        ...(snap ? replayBytes(snap) : {}),
      });
    };
    const actEnv = (obs: Float32Array) => scaleAction(learner.act(obs), actSpace.low, actSpace.high);

    // Progress line.
    const isTTY = !!out.isTTY;
    let lastLine = 0;
    let rateT = performance.now();
    let rateSteps = step;
    let rateUpdates = updates;
    let stepsPerSec = 0;
    let updatesPerSec = 0;
    const recent: number[] = metrics.episodes.slice(-20).map((e) => e.return);
    const progress = (force = false) => {
      const now = performance.now();
      if (!force && now - lastLine < (isTTY ? 250 : c.logEvery * 1000)) return;
      const dt = (now - rateT) / 1000;
      if (dt > 0.5) {
        stepsPerSec = (step - rateSteps) / dt;
        updatesPerSec = (updates - rateUpdates) / dt;
        rateT = now;
        rateSteps = step;
        rateUpdates = updates;
      }
      lastLine = now;
      const mean = recent.length ? recent.reduce((a, b) => a + b, 0) / recent.length : NaN;
      const f = (x: number | undefined) => (x === undefined || Number.isNaN(x) ? '—' : x.toFixed(1));
      const envs = N > 1 ? ` (${N} envs)` : '';
      const line = `step ${step}/${c.steps}${envs} | ${stepsPerSec.toFixed(0)} steps/s ${updatesPerSec.toFixed(0)} upd/s | ep ${episodes} last ${f(recent[recent.length - 1])} mean20 ${f(mean)} | eval ${lastEval ? `${f(lastEval.mean)} ± ${f(lastEval.std)}` : '—'}`;
      out.write(isTTY ? `\r\x1b[2K${line}` : `${line}\n`);
    };
    const print = (s: string) => out.write(isTTY ? `\r\x1b[2K${s}\n` : `${s}\n`);

    /** Writes a checkpoint and returns the error to fail with when the env servers stay unreachable. */
    const giveUp = (e: GymwireError) => {
      saveCheckpoint();
      const tries = c.reconnectAttempts > 0 ? ` after ${c.reconnectAttempts} attempts` : '';
      return new Error(`lost the env server and could not get it back${tries} (${e.message}); wrote a checkpoint at step ${step} to ${checkpointPath} — continue with: npm run train -- --resume ${c.out}`, { cause: e });
    };

    const runEval = async () => {
      if (!envs.evalEnv) return;
      // A dropped connection during evaluation restarts it (episodes are seeded, so the result is the same).
      for (let attempt = 1; ; attempt++) {
        try {
          lastEval = await evaluatePolicy(envs.evalEnv!, actEnv, c.evalEpisodes, c.evalSeed, obsDim);
          break;
        } catch (e) {
          if (!isConnectionLoss(e)) throw e;
          if (attempt >= 3) throw giveUp(e);
          print(`evaluation interrupted (${e.message}); starting it again`);
          // The client may have reconnected by itself; if not, open the env again.
          if (attempt >= 2) {
            try {
              await envs.reopenEval(print);
            } catch (e2) {
              if (isConnectionLoss(e2)) throw giveUp(e2);
              throw e2;
            }
          }
        }
      }
      metrics.add({ type: 'eval', step, mean: lastEval.mean, std: lastEval.std, returns: lastEval.returns, wallSeconds: wall() });
      writePlots();
      print(`eval at step ${step}: ${lastEval.mean.toFixed(1)} ± ${lastEval.std.toFixed(1)} (${c.evalEpisodes} episodes)`);
    };

    // Batched state of the N sub-envs.
    const obs = new Float32Array(N * obsDim);
    /** Sub-env i ended on the last step, so its next step is an autoreset: action ignored, nothing stored. */
    const pending = new Uint8Array(N);
    const epReturn = new Float64Array(N);
    const epLength = new Int32Array(N);
    const u = new Float32Array(N * actDim);
    const envAction = new Float32Array(N * actDim);
    const low = new Float32Array(N * actDim);
    const high = new Float32Array(N * actDim);
    for (let i = 0; i < N; i++) {
      low.set(actSpace.low, i * actDim);
      high.set(actSpace.high, i * actDim);
    }

    // Each full reset (start, resume, reconnect) seeds the sub-envs from its own stream, so
    // runs are reproducible and a resumed run does not replay the episodes it already saw.
    // Later episodes come from autoreset, which continues each sub-env's generator.
    const resetAll = async () => {
      const seedRng = defaultRng([c.seed, 0x5eed5, resets]);
      const seeds = Array.from({ length: N }, () => seedRng.integers(0, 2 ** 31));
      resets++;
      await envs.group.reset(seeds);
      obs.set(envs.group.obs);
      pending.fill(0);
      epReturn.fill(0);
      epLength.fill(0);
      for (const n of noises) n.reset();
    };

    let interrupted = metrics.interrupted.length;
    const recover = async (e: GymwireError) => {
      for (let i = 0; i < N; i++) {
        if (pending[i] || epLength[i] === 0) continue;
        metrics.add({ type: 'interrupted', interrupted: true, step, env: i, return: epReturn[i], length: epLength[i], reason: e.message, wallSeconds: wall() });
        interrupted++;
      }
      if ((e.details as { timeout_ms?: unknown } | undefined)?.timeout_ms !== undefined) {
        print(`request timed out at step ${step}: ${e.message} (--request-timeout ${c.requestTimeout} s); the connection is re-opened`);
      }
      print(`connection lost at step ${step} (${e.message}); starting fresh episodes on the re-made envs`);
      try {
        await resetAll();
        return;
      } catch (e2) {
        if (!isConnectionLoss(e2)) throw e2;
        print(`envs unreachable (${e2.message})`);
      }
      // The clients did not get their envs back by themselves: open them again.
      try {
        await envs.reopenGroup(print);
        await resetAll();
      } catch (e3) {
        if (isConnectionLoss(e3)) throw giveUp(e3);
        throw e3;
      }
    };

    await resetAll();
    const scratch: Batch = { size: 0, obs: new Float32Array(0), actions: new Float32Array(0), rewards: new Float32Array(0), nextObs: new Float32Array(0), terminated: new Float32Array(0) };
    let batch = scratch;
    const crossed = (every: number, before: number) => every > 0 && Math.floor(step / every) > Math.floor(before / every);

    while (step < c.steps && !shouldStop?.()) {
      const mu = step >= c.learningStarts ? learner.act(obs, N) : null;
      for (let i = 0; i < N; i++) {
        const b = i * actDim;
        if (pending[i]) {
          // Ignored by the autoreset; the middle of the range is a valid action for any server that checks.
          u.fill(0, b, b + actDim);
        } else if (!mu) {
          for (let j = 0; j < actDim; j++) u[b + j] = rng.uniform(-1, 1);
        } else {
          const n = noises[i].sample(rng);
          for (let j = 0; j < actDim; j++) u[b + j] = Math.min(1, Math.max(-1, mu[b + j] + n[j]));
        }
      }
      const group = envs.group;
      try {
        await group.step(scaleAction(u, low, high, envAction));
      } catch (e) {
        if (!isConnectionLoss(e)) throw e;
        await recover(e);
        continue;
      }
      const before = step;
      let added = 0;
      for (let i = 0; i < N; i++) {
        if (pending[i]) {
          // The autoreset step: its obs is the new episode's first; no transition, no env step.
          pending[i] = 0;
          noises[i].reset();
          epReturn[i] = 0;
          epLength[i] = 0;
          continue;
        }
        // The last vector step may hold more transitions than the budget: the rest are dropped.
        if (step >= c.steps) continue;
        const reward = group.rewards[i];
        const terminated = group.terminated[i] === 1;
        // Store `terminated`, not `done`: a time-limit truncation must still bootstrap from s'.
        buffer.add(obs.subarray(i * obsDim, (i + 1) * obsDim), u.subarray(i * actDim, (i + 1) * actDim), reward, group.obs.subarray(i * obsDim, (i + 1) * obsDim), terminated);
        step++;
        added++;
        epReturn[i] += reward;
        epLength[i]++;
        if (terminated || group.truncated[i]) {
          episodes++;
          metrics.add({ type: 'episode', step, episode: episodes, env: i, return: epReturn[i], length: epLength[i], wallSeconds: wall() });
          recent.push(epReturn[i]);
          if (recent.length > 20) recent.shift();
          pending[i] = 1;
        }
      }
      obs.set(group.obs);
      if (step >= c.learningStarts && buffer.size >= c.batchSize) {
        for (let k = 0; k < added * c.updatesPerStep; k++) {
          batch = buffer.sample(c.batchSize, rng, batch);
          learner.update(batch);
          updates++;
        }
      }
      if (crossed(c.evalEvery, before)) await runEval();
      if (crossed(c.checkpointEvery, before) && step < c.steps) saveCheckpoint();
      progress();
    }
    // A run that stops mid-episode loses its partial episodes on resume (every sub-env starts afresh).
    if (envs.evalEnv && (!lastEval || metrics.evals[metrics.evals.length - 1]?.step !== step)) await runEval();
    saveCheckpoint();
    writePlots();
    progress(true);
    if (isTTY) out.write('\n');
    return {
      steps: step,
      episodes,
      updates,
      numEnvs: N,
      wallSeconds: wall(),
      lastEval,
      evals: metrics.evals.map((e) => ({ step: e.step, mean: e.mean, std: e.std, wallSeconds: e.wallSeconds })),
      episodeReturns: metrics.episodes.map((e) => e.return),
      interrupted,
    };
  } finally {
    learner.dispose();
  }
}
