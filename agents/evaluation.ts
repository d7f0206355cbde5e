// Evaluation: the deterministic actor (no exploration noise) over seeded episodes, so every
// evaluation of a run — and `npm run evaluate` afterwards — plays the same episodes.
import type { EnvLike, Frame } from '../protocol/env-api.ts';
import { GymwireError } from '../protocol/errors.ts';
import type { EvalResult } from './checkpoints.ts';

export type { EvalResult };

/** The connection under an env call dropped (the client may have reconnected and re-made the env). */
export function isConnectionLoss(e: unknown): e is GymwireError {
  return e instanceof GymwireError && e.code === 'connection_lost';
}

function toFloat32(obs: unknown, dim: number): Float32Array {
  const a = obs instanceof Float32Array ? obs : Float32Array.from(obs as ArrayLike<number>);
  if (a.length !== dim) throw new Error(`observation has ${a.length} values, expected ${dim}`);
  return a;
}

/**
 * Receives rendered frames (env.render(), rgb_array) of the first evaluation episode. Asked
 * before each frame (after the reset, then after every step) whether it wants it, so the
 * frames it would drop are never rendered.
 */
export interface FrameSink {
  wants(): boolean;
  add(frame: Frame): void;
}

/**
 * Runs the deterministic actor for n episodes seeded seed0, seed0+1, ...; undiscounted returns.
 * With `watch`, the first episode is also rendered frame by frame into it (the others are not).
 */
export async function evaluatePolicy(
  env: EnvLike,
  act: (obs: Float32Array) => Float32Array,
  episodes: number,
  seed0: number,
  obsDim: number,
  watch?: FrameSink,
): Promise<EvalResult> {
  const returns: number[] = [];
  for (let i = 0; i < episodes; i++) {
    const sink = i === 0 ? watch : undefined;
    let obs = toFloat32((await env.reset({ seed: seed0 + i })).obs, obsDim);
    if (sink?.wants()) sink.add(await env.render());
    let ret = 0;
    for (;;) {
      const r = await env.step(act(obs));
      ret += r.reward;
      obs = toFloat32(r.obs, obsDim);
      if (sink?.wants()) sink.add(await env.render());
      if (r.terminated || r.truncated) break;
    }
    returns.push(ret);
  }
  const mean = returns.reduce((a, b) => a + b, 0) / returns.length;
  const std = Math.sqrt(returns.reduce((a, b) => a + (b - mean) ** 2, 0) / returns.length);
  return { mean, std, returns };
}

export interface RetryingEval {
  /** The evaluation env as it is now (re-opening replaces it). */
  env: () => EnvLike;
  /** Opens the evaluation env again (with its own retries); throws a connection loss when it cannot. */
  reopen: () => Promise<void>;
  act: (obs: Float32Array) => Float32Array;
  episodes: number;
  seed: number;
  obsDim: number;
  log: (line: string) => void;
  /** The error to fail with when the env stays unreachable (the trainer writes a checkpoint first). */
  giveUp: (e: GymwireError) => Error;
  /** Tries before giving up (default 3). */
  attempts?: number;
  /**
   * Called at the start of every try: returns where the first episode's frames go, or nothing
   * when none are wanted (a try cut by a dropped connection starts a fresh recording).
   */
  watch?: () => FrameSink | undefined;
}

/**
 * evaluatePolicy, started again when a dropped connection cuts it (episodes are seeded, so the
 * result is the same): the second and later tries open the env again first, in case the client
 * did not get it back by itself.
 */
export async function evaluateWithRetry(o: RetryingEval): Promise<EvalResult> {
  const attempts = o.attempts ?? 3;
  for (let attempt = 1; ; attempt++) {
    try {
      return await evaluatePolicy(o.env(), o.act, o.episodes, o.seed, o.obsDim, o.watch?.());
    } catch (e) {
      if (!isConnectionLoss(e)) throw e;
      if (attempt >= attempts) throw o.giveUp(e);
      o.log(`evaluation interrupted (${e.message}); starting it again`);
      if (attempt >= 2) {
        try {
          await o.reopen();
        } catch (e2) {
          if (isConnectionLoss(e2)) throw o.giveUp(e2);
          throw e2;
        }
      }
    }
  }
}
