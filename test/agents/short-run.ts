// The options most training tests share: a short run with small networks, evaluated once at
// the end unless told otherwise. Spread into buildConfig's options next to the env, out and
// whatever the test is about.
import type { TrainConfig } from '../../agents/train-config.ts';

export interface ShortRun {
  steps: number;
  learningStarts: number;
  /** Default: the training defaults'. */
  batchSize?: number;
  /** The hidden layers of both the actor and the critic. */
  hidden: number[];
  /** Default: steps (one eval, at the end). */
  evalEvery?: number;
  /** Default: 1. */
  evalEpisodes?: number;
}

/** steps, learningStarts, batchSize (when given), actorHidden and criticHidden (both `hidden`), evalEvery and evalEpisodes. */
export function shortRun({
  steps,
  learningStarts,
  batchSize,
  hidden,
  evalEvery = steps,
  evalEpisodes = 1,
}: ShortRun): Partial<TrainConfig> {
  return {
    steps,
    learningStarts,
    ...(batchSize === undefined ? {} : { batchSize }),
    actorHidden: [...hidden],
    criticHidden: [...hidden],
    evalEvery,
    evalEpisodes,
  };
}

/** 120 steps of a toy env with one 8-unit layer per network, no evals: the reconnect and request-timeout runs. */
export function tinyToyRun(): Partial<TrainConfig> {
  return { steps: 120, seed: 0, actorHidden: [8], criticHidden: [8], batchSize: 16, learningStarts: 30, evalEvery: 0 };
}
