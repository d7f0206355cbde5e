// What chooses the actions in the page: the keyboard (key-actions.ts), random actions (as
// env.action_space.sample() would), or a loaded actor (actor-files.ts). A controller answering
// null makes the player wait for the next frame without stepping.
import type { SpaceValue } from '../protocol/env-api.ts';
import type { Space } from '../protocol/schema/spaces.ts';
import type { Policy } from '../agents/actor-policy.ts';
import type { KeyMap } from './key-actions.ts';

export interface Controller {
  readonly name: string;
  action(obs: SpaceValue): SpaceValue | null;
}

/** Tracks the keys held down (KeyboardEvent.code) while the page has focus. */
export class HeldKeys {
  readonly pressed = new Set<string>();

  /** Listens on `target`; keys in `captured()` do not scroll the page, and typing in form fields is not play. */
  listen(target: Window, captured: () => ReadonlySet<string>): void {
    const inField = (e: KeyboardEvent) => e.target instanceof HTMLInputElement || e.target instanceof HTMLSelectElement || e.target instanceof HTMLTextAreaElement;
    target.addEventListener('keydown', (e) => {
      if (inField(e)) return;
      if (captured().has(e.code)) e.preventDefault();
      this.pressed.add(e.code);
    });
    target.addEventListener('keyup', (e) => this.pressed.delete(e.code));
    // Keys released while the window had no focus never send keyup.
    target.addEventListener('blur', () => this.pressed.clear());
  }
}

export function keyboardController(keyMap: KeyMap, keys: HeldKeys): Controller {
  return { name: 'keyboard', action: () => keyMap.action(keys.pressed) };
}

export function policyController(policy: Policy): Controller {
  return { name: `actor (${policy.description.envId})`, action: (obs) => policy.act(obs as ArrayLike<number>) };
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
