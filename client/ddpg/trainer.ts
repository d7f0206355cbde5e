// The training loop: act (uniform warm-up, then μ(s) + noise), store, update, evaluate,
// log, plot, checkpoint. Only sees EnvLike, so local envs and RemoteEnv train the same way.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { EnvLike } from '../../protocol/env-api.ts';
import type { BoxSpace } from '../../protocol/schema/spaces.ts';
import { defaultRng, type GeneratorState, type NumpyGenerator } from '../../protocol/random.ts';
import type { TrainConfig } from './config.ts';
import { DdpgLearner, type Batch } from './learner.ts';
import { ActionNoise, type NoiseState } from './noise.ts';
import { ReplayBuffer, type ReplaySnapshot } from './replay-buffer.ts';
import { MetricsLog } from './metrics.ts';
import { curvePng, curveSvg } from './plot.ts';
import { actorFiles, scaleAction, CHECKPOINT_FORMAT, type ActorDescription } from './actor-io.ts';
import { floatsOf, readSnapshot, textOf, writeSnapshot, MANIFEST, CheckpointError } from './checkpoint-io.ts';

export type EnvFactory = (config: TrainConfig) => Promise<EnvLike>;

/** make() in this process, or RemoteEnv when config.url is set (each imported only when used). */
export const openEnv: EnvFactory = async (c) => {
  if (c.url) {
    const { RemoteEnv } = await import('../remote-env.ts');
    return RemoteEnv.connect(c.url, c.env, c.envKwargs);
  }
  const { make } = await import('../../envs/index.ts');
  return make(c.env, c.envKwargs);
};

export interface TrainOptions {
  /** Checkpoint dir (or run dir holding checkpoint/) to continue from. */
  resume?: string;
  envFactory?: EnvFactory;
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
  wallSeconds: number;
  lastEval: EvalResult | null;
  evals: { step: number; mean: number; std: number; wallSeconds: number }[];
  episodeReturns: number[];
}

interface CheckpointState {
  config: TrainConfig;
  step: number;
  episodes: number;
  updates: number;
  adamStep: number;
  rng: GeneratorState;
  noise: NoiseState;
  wallSeconds: number;
  lastEval: EvalResult | null;
  replay: Omit<ReplaySnapshot, 'obs' | 'actions' | 'rewards' | 'nextObs' | 'terminated'> | null;
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

export async function train(config: TrainConfig, options: TrainOptions = {}): Promise<TrainResult> {
  const c = config;
  const out = options.out ?? process.stdout;
  const envFactory = options.envFactory ?? openEnv;
  mkdirSync(c.out, { recursive: true });

  const env = await envFactory(c);
  const evalEnv = c.evalEvery > 0 ? await envFactory(c) : null;
  try {
    const obsSpace = boxOf(env.observationSpace, 'observation');
    const actSpace = boxOf(env.actionSpace, 'action');
    const obsDim = obsSpace.low.length;
    const actDim = actSpace.low.length;
    if (actSpace.low.some((x) => !Number.isFinite(x)) || actSpace.high.some((x) => !Number.isFinite(x))) {
      throw new Error('DDPG needs finite action bounds');
    }
    const description: ActorDescription = { envId: c.env, obsDim, actDim, hidden: c.actorHidden, low: actSpace.low, high: actSpace.high };

    const learner = new DdpgLearner({ obsDim, actDim, actorHidden: c.actorHidden, criticHidden: c.criticHidden, gamma: c.gamma, tau: c.tau, actorLr: c.actorLr, criticLr: c.criticLr, seed: c.seed });
    const buffer = new ReplayBuffer(Math.min(c.bufferSize, c.steps), obsDim, actDim);
    const noise = new ActionNoise(actDim, { kind: c.noise, sigma: c.noiseSigma, sigmaFinal: c.noiseSigmaFinal, sigmaDecaySteps: c.noiseDecaySteps, theta: c.ouTheta, dt: c.ouDt });
    // One stream for warm-up actions, noise and replay sampling, distinct from the weight-init stream.
    const rng: NumpyGenerator = defaultRng([c.seed, 0x5eed]);
    let step = 0;
    let episodes = 0;
    let updates = 0;
    let wallBase = 0;
    let lastEval: EvalResult | null = null;

    if (options.resume) {
      let dir = options.resume;
      if (!existsSync(join(dir, MANIFEST)) && existsSync(join(dir, 'checkpoint', MANIFEST))) dir = join(dir, 'checkpoint');
      const files = readSnapshot(dir, CHECKPOINT_FORMAT);
      const st = JSON.parse(textOf(files, 'state.json')) as CheckpointState;
      if (st.config.env !== c.env) throw new CheckpointError(`checkpoint is for ${st.config.env}, not ${c.env}`);
      const get = (n: string) => {
        const b = files.get(n);
        if (!b) throw new CheckpointError(`checkpoint ${dir} has no ${n}`);
        return floatsOf(b);
      };
      learner.setState({ params: get('params.bin'), target: get('target.bin'), adamM: get('adam_m.bin'), adamV: get('adam_v.bin'), adamStep: st.adamStep });
      rng.setState(st.rng);
      noise.setState(st.noise);
      if (st.replay) {
        buffer.restore({ ...st.replay, obs: get('replay_obs.bin'), actions: get('replay_actions.bin'), rewards: get('replay_rewards.bin'), nextObs: get('replay_next_obs.bin'), terminated: get('replay_terminated.bin') });
      }
      ({ step, episodes, updates, lastEval } = st);
      wallBase = st.wallSeconds;
      out.write(`resumed from ${dir} at step ${step} (${episodes} episodes, replay ${buffer.size} transitions${st.replay ? '' : ' — not saved, refilling'})\n`);
    }
    writeFileSync(join(c.out, 'config.json'), JSON.stringify(c, null, 2) + '\n');
    const metrics = new MetricsLog(c.out, options.resume ? step : null);

    const t0 = performance.now();
    const wall = () => wallBase + (performance.now() - t0) / 1000;
    const writePlots = () => {
      const data = { title: `DDPG ${c.env} (seed ${c.seed})`, episodes: metrics.episodes, evals: metrics.evals };
      writeFileSync(join(c.out, 'learning-curve.svg'), curveSvg(data));
      writeFileSync(join(c.out, 'learning-curve.png'), curvePng(data));
    };
    const saveCheckpoint = () => {
      const ls = learner.getState();
      const snap = c.saveReplay ? buffer.snapshot() : null;
      const state: CheckpointState = {
        config: c, step, episodes, updates, adamStep: ls.adamStep, rng: rng.getState(), noise: noise.getState(), wallSeconds: wall(), lastEval,
        replay: snap ? { capacity: snap.capacity, obsDim: snap.obsDim, actDim: snap.actDim, size: snap.size, next: snap.next } : null,
      };
      writeSnapshot(join(c.out, 'checkpoint'), CHECKPOINT_FORMAT, {
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
      const line = `step ${step}/${c.steps} | ${stepsPerSec.toFixed(0)} steps/s ${updatesPerSec.toFixed(0)} upd/s | ep ${episodes} last ${f(recent[recent.length - 1])} mean20 ${f(mean)} | eval ${lastEval ? `${f(lastEval.mean)} ± ${f(lastEval.std)}` : '—'}`;
      out.write(isTTY ? `\r\x1b[2K${line}` : `${line}\n`);
    };
    const print = (s: string) => out.write(isTTY ? `\r\x1b[2K${s}\n` : `${s}\n`);

    const runEval = async () => {
      if (!evalEnv) return;
      lastEval = await evaluatePolicy(evalEnv, actEnv, c.evalEpisodes, c.evalSeed, obsDim);
      metrics.add({ type: 'eval', step, mean: lastEval.mean, std: lastEval.std, returns: lastEval.returns, wallSeconds: wall() });
      writePlots();
      print(`eval at step ${step}: ${lastEval.mean.toFixed(1)} ± ${lastEval.std.toFixed(1)} (${c.evalEpisodes} episodes)`);
    };

    // Every training episode is reset with its own seed, so a resumed run starts the next episode exactly as an uninterrupted one would have.
    const episodeSeed = (k: number) => c.seed * 1_000_003 + k;
    let obs = toFloat32((await env.reset({ seed: episodeSeed(episodes) })).obs, obsDim);
    let epReturn = 0;
    let epLength = 0;
    const scratch: Batch = { size: 0, obs: new Float32Array(0), actions: new Float32Array(0), rewards: new Float32Array(0), nextObs: new Float32Array(0), terminated: new Float32Array(0) };
    let batch = scratch;
    const u = new Float32Array(actDim);
    const envAction = new Float32Array(actDim);

    while (step < c.steps && !options.shouldStop?.()) {
      if (step < c.learningStarts) {
        for (let i = 0; i < actDim; i++) u[i] = rng.uniform(-1, 1);
      } else {
        const mu = learner.act(obs);
        const n = noise.sample(rng);
        for (let i = 0; i < actDim; i++) u[i] = Math.min(1, Math.max(-1, mu[i] + n[i]));
      }
      const r = await env.step(scaleAction(u, actSpace.low, actSpace.high, envAction));
      const next = toFloat32(r.obs, obsDim);
      // Store `terminated`, not `done`: a time-limit truncation must still bootstrap from s'.
      buffer.add(obs, u, r.reward, next, r.terminated);
      step++;
      epReturn += r.reward;
      epLength++;
      obs = next;
      if (r.terminated || r.truncated) {
        episodes++;
        metrics.add({ type: 'episode', step, episode: episodes, return: epReturn, length: epLength, wallSeconds: wall() });
        recent.push(epReturn);
        if (recent.length > 20) recent.shift();
        noise.reset();
        epReturn = 0;
        epLength = 0;
        obs = toFloat32((await env.reset({ seed: episodeSeed(episodes) })).obs, obsDim);
      }
      if (step >= c.learningStarts && buffer.size >= c.batchSize) {
        for (let k = 0; k < c.updatesPerStep; k++) {
          batch = buffer.sample(c.batchSize, rng, batch);
          learner.update(batch);
          updates++;
        }
      }
      if (c.evalEvery > 0 && step % c.evalEvery === 0) await runEval();
      if (c.checkpointEvery > 0 && step % c.checkpointEvery === 0 && step < c.steps) saveCheckpoint();
      progress();
    }
    // A run that stops mid-episode loses that partial episode on resume (it restarts from its seed).
    if (evalEnv && (!lastEval || metrics.evals[metrics.evals.length - 1]?.step !== step)) await runEval();
    saveCheckpoint();
    writePlots();
    progress(true);
    if (isTTY) out.write('\n');
    const result: TrainResult = {
      steps: step,
      episodes,
      updates,
      wallSeconds: wall(),
      lastEval,
      evals: metrics.evals.map((e) => ({ step: e.step, mean: e.mean, std: e.std, wallSeconds: e.wallSeconds })),
      episodeReturns: metrics.episodes.map((e) => e.return),
    };
    learner.dispose();
    return result;
  } finally {
    await env.close();
    if (evalEnv) await evalEnv.close();
  }
}
