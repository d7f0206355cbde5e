// What chooses the actions in the page: the keyboard (key-actions.ts), random actions (as
// env.action_space.sample() would), or a loaded actor (actor-files.ts). A controller answering
// null makes the player wait for the next frame without stepping.
import type { SpaceValue } from '../protocol/env-api.ts';
import type { Space } from '../protocol/schema/spaces.ts';
import type { Policy } from '../agents/actor-policy.ts';
import type { KeyMap } from './key-actions.ts';

export interface Controller {
  readonly name: string;
  /** True when the action depends on the observation: the page then waits for each step's answer before the next. */
  readonly readsObs?: boolean;
  /** True for a person at the keys: fewer frames in flight, so a key acts within a few frames (web/player.ts). */
  readonly interactive?: boolean;
  action(obs: SpaceValue): SpaceValue | null;
}

export function keyboardController(keyMap: KeyMap, keys: { readonly pressed: ReadonlySet<string> }): Controller {
  return { name: 'keyboard', interactive: true, action: () => keyMap.action(keys.pressed) };
}

export function policyController(policy: Policy): Controller {
  return { name: `actor (${policy.description.envId})`, readsObs: true, action: (obs) => policy.act(obs as ArrayLike<number>) };
}

/** Uniform random actions of a Discrete or Box space (an unbounded Box dimension draws from [-1, 1]). */
export function randomController(space: Space, random: () => number = Math.random): Controller {
  if (space.type === 'Discrete') return { name: 'random', action: () => space.start + Math.floor(random() * space.n) };
  if (space.type === 'Box') {
    const lo = space.low.map((v) => (Number.isFinite(v) ? v : -1));
    const hi = space.high.map((v) => (Number.isFinite(v) ? v : 1));
    return { name: 'random', action: () => Float32Array.from(lo, (l, i) => l + random() * (hi[i] - l)) };
  }
  throw new Error(`random actions of a ${space.type} space are not offered by this page`);
}
