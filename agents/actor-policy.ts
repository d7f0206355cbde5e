// An exported actor as a policy: its description, and the deterministic action from the
// plain-JS forward pass. No I/O and no tfjs, so the same code acts in Node (actor-io.ts loads
// the files from disk) and in a browser page (web/actor-files.ts loads them from a file input).
import { CheckpointError } from './snapshot-format.ts';
import { actorSpec, mlpForward, paramCount } from './networks.ts';

export const ACTOR_FORMAT = 'gymwire-ddpg-actor';
export const CHECKPOINT_FORMAT = 'gymwire-ddpg-checkpoint';

export interface ActorDescription {
  envId: string;
  /**
   * The algorithm that trained it (absent in actors from before TD3: DDPG). SAC's exported actor
   * is its deterministic policy tanh(mean(s)): the mean head alone, the same kind of network.
   */
  algo?: 'ddpg' | 'td3' | 'sac';
  obsDim: number;
  actDim: number;
  hidden: number[];
  /** Action Box bounds: the tanh output u ∈ [-1, 1] maps to low + (u + 1)/2 · (high − low). */
  low: number[];
  high: number[];
}

export interface Policy {
  readonly description: ActorDescription;
  /** Deterministic action (no exploration noise), in the env's action units. */
  act(obs: ArrayLike<number>): Float32Array;
}

export function scaleAction(
  u: ArrayLike<number>,
  low: ArrayLike<number>,
  high: ArrayLike<number>,
  out: Float32Array = new Float32Array(u.length),
): Float32Array {
  for (let i = 0; i < u.length; i++) out[i] = low[i] + 0.5 * (u[i] + 1) * (high[i] - low[i]);
  return out;
}

export function makePolicy(description: ActorDescription, params: Float32Array): Policy {
  const spec = actorSpec(description.obsDim, description.actDim, description.hidden);
  const need = paramCount(spec);
  if (params.length !== need) throw new CheckpointError(`actor has ${params.length} parameters, its description needs ${need}`);
  return {
    description,
    act(obs) {
      if (obs.length !== description.obsDim)
        throw new RangeError(`policy expects ${description.obsDim} observation values, got ${obs.length}`);
      return scaleAction(mlpForward(spec, params, obs, true), description.low, description.high);
    },
  };
}
