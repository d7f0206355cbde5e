// Training checkpoints: what a run writes so that `--resume` continues it exactly — the
// learner's vectors and Adam state, counters, the RNG and noise clocks, the exported actor and,
// optionally, the replay buffer — as one atomic, checksummed snapshot (checkpoint-io.ts).
import { join } from 'node:path';
import type { GeneratorState, NumpyGenerator } from '../protocol/random.ts';
import type { TrainConfig } from './train-config.ts';
import type { Learner, LearnerState } from './learner.ts';
import type { ActionNoise, NoiseState } from './noise.ts';
import type { ReplayBuffer, ReplaySnapshot } from './replay-buffer.ts';
import { actorFiles, CHECKPOINT_FORMAT, type ActorDescription } from './actor-io.ts';
import { floatsOf, readSnapshot, snapshotIn, textOf, writeSnapshot, CheckpointError } from './checkpoint-io.ts';
import { parseJson, stringifyJson } from './json-text.ts';

export interface EvalResult {
  mean: number;
  std: number;
  returns: number[];
}

/** The run's counters, saved and restored with the networks. */
export interface RunCounters {
  step: number;
  episodes: number;
  updates: number;
  /** How many times every sub-env was reset from scratch (start, resume, reconnect): seeds the next. */
  resets: number;
  wallSeconds: number;
  lastEval: EvalResult | null;
}

export interface CheckpointState extends Omit<RunCounters, 'resets'> {
  config: TrainConfig;
  adamStep: number;
  /** TD3: the actor's Adam step count and the smoothing-noise stream. */
  td3?: LearnerState['td3'];
  /** SAC: the actor's Adam step count, the policy-noise stream, log α and its Adam moments. */
  sac?: LearnerState['sac'];
  rng: GeneratorState;
  /** One per sub-env (a single object in checkpoints from before multi-env collection). */
  noise: NoiseState[] | NoiseState;
  resets?: number;
  replay: Omit<ReplaySnapshot, 'obs' | 'actions' | 'rewards' | 'nextObs' | 'terminated' | 'horizon'> | null;
}

export interface Checkpoint {
  dir: string;
  files: Map<string, Uint8Array>;
  state: CheckpointState;
}

/** The checkpoint directory of a run dir or checkpoint dir (a killed save's previous snapshot if need be). */
function checkpointDir(dir: string): string {
  return snapshotIn(dir, 'checkpoint');
}

/** Reads and verifies a checkpoint; throws CheckpointError naming what is missing or damaged. */
export function readCheckpoint(dir: string): Checkpoint {
  const cdir = checkpointDir(dir);
  const files = readSnapshot(cdir, CHECKPOINT_FORMAT);
  let state: CheckpointState;
  try {
    state = parseJson(textOf(files, 'state.json')) as CheckpointState;
  } catch (e) {
    throw e instanceof CheckpointError ? e : new CheckpointError(`${join(cdir, 'state.json')} is not valid JSON: ${(e as Error).message}`);
  }
  return { dir: cdir, files, state };
}

/** Checkpoints from before TD3 have no algo: they are DDPG's. */
function checkpointAlgo(state: CheckpointState): TrainConfig['algo'] {
  return state.config.algo ?? 'ddpg';
}

/** Refuses to continue a checkpoint as another env or algorithm, naming both. */
export function checkResumable(ck: Checkpoint, c: TrainConfig): void {
  if (ck.state.config.env !== c.env) throw new CheckpointError(`checkpoint is for ${ck.state.config.env}, not ${c.env}`);
  const algo = checkpointAlgo(ck.state);
  if (algo !== c.algo) {
    throw new CheckpointError(
      `checkpoint ${ck.dir} is from a ${algo.toUpperCase()} run and cannot continue as ${c.algo.toUpperCase()} ` +
        `(its networks and optimizer state are ${algo.toUpperCase()}'s): resume without --algo, or start a new run`,
    );
  }
  const norm = ck.state.config.criticLayerNorm ?? false;
  if (norm !== c.criticLayerNorm) {
    throw new CheckpointError(
      `checkpoint ${ck.dir} was trained ${norm ? 'with' : 'without'} --critic-layer-norm and cannot continue ` +
        `${c.criticLayerNorm ? 'with' : 'without'} it (its critic computes a different function): ` +
        'resume without the flag, or start a new run',
    );
  }
}

/** What a checkpoint is made of, at the moment it is written. */
export interface TrainingSnapshot {
  config: TrainConfig;
  counters: RunCounters;
  learner: Learner;
  rng: NumpyGenerator;
  noises: ActionNoise[];
  /** The replay buffer, when it is to be saved (--save-replay). */
  replay: ReplayBuffer | null;
  actor: ActorDescription;
}

function replayFiles(s: ReplaySnapshot): Record<string, Float32Array> {
  return {
    'replay_obs.bin': s.obs,
    'replay_actions.bin': s.actions,
    'replay_rewards.bin': s.rewards,
    'replay_next_obs.bin': s.nextObs,
    'replay_terminated.bin': s.terminated,
    ...(s.horizon ? { 'replay_horizon.bin': s.horizon } : {}),
  };
}

/** Writes the checkpoint atomically to `path` (a directory). */
export function writeCheckpoint(path: string, s: TrainingSnapshot): void {
  const ls = s.learner.getState();
  const snap = s.replay ? s.replay.snapshot() : null;
  const { step, episodes, updates, resets, wallSeconds, lastEval } = s.counters;
  const state: CheckpointState = {
    config: s.config,
    step,
    episodes,
    updates,
    adamStep: ls.adamStep,
    ...(ls.td3 ? { td3: ls.td3 } : {}),
    ...(ls.sac ? { sac: ls.sac } : {}),
    rng: s.rng.getState(),
    noise: s.noises.map((n) => n.getState()),
    resets,
    wallSeconds,
    lastEval,
    replay: snap ? { capacity: snap.capacity, obsDim: snap.obsDim, actDim: snap.actDim, size: snap.size, next: snap.next } : null,
  };
  writeSnapshot(path, CHECKPOINT_FORMAT, {
    'state.json': stringifyJson(state, 2),
    'params.bin': ls.params,
    'target.bin': ls.target,
    'adam_m.bin': ls.adamM,
    'adam_v.bin': ls.adamV,
    ...actorFiles(s.actor, s.learner.actorParams(s.config.evalActor)),
    ...(snap ? replayFiles(snap) : {}),
  });
}

/**
 * Puts a checkpoint's state back: learner, RNG, noise clocks (every sub-env starts a fresh
 * episode, so only the σ-decay clocks carry over) and, if saved, the replay buffer. Returns the
 * run's counters.
 */
export function restoreCheckpoint(
  ck: Checkpoint,
  into: { learner: Learner; rng: NumpyGenerator; noises: ActionNoise[]; replay: ReplayBuffer },
): RunCounters {
  const { dir, files, state: st } = ck;
  const get = (n: string) => {
    const b = files.get(n);
    if (!b) throw new CheckpointError(`checkpoint ${dir} has no ${n}`);
    return floatsOf(b);
  };
  into.learner.setState({
    params: get('params.bin'),
    target: get('target.bin'),
    adamM: get('adam_m.bin'),
    adamV: get('adam_v.bin'),
    adamStep: st.adamStep,
    td3: st.td3,
    sac: st.sac,
  });
  into.rng.setState(st.rng);
  const N = into.noises.length;
  const saved = Array.isArray(st.noise) ? st.noise : [st.noise];
  const totalT = saved.reduce((a, n) => a + n.t, 0);
  into.noises.forEach((n, i) =>
    n.setState({ x: new Array<number>(n.dim).fill(0), t: saved.length === N ? saved[i].t : Math.floor(totalT / N) }),
  );
  if (st.replay) {
    into.replay.restore({
      ...st.replay,
      obs: get('replay_obs.bin'),
      actions: get('replay_actions.bin'),
      rewards: get('replay_rewards.bin'),
      nextObs: get('replay_next_obs.bin'),
      terminated: get('replay_terminated.bin'),
      horizon: files.has('replay_horizon.bin') ? get('replay_horizon.bin') : undefined,
    });
  }
  return {
    step: st.step,
    episodes: st.episodes,
    updates: st.updates,
    resets: st.resets ?? 1,
    wallSeconds: st.wallSeconds,
    lastEval: st.lastEval,
  };
}
