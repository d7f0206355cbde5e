// Keys → actions, as Gymnasium's gymnasium.utils.play does it: the keys held down (of those the
// map knows) are looked up as one combination; a combination the map does not know, or no key,
// gives the noop action. Keys are KeyboardEvent.code values (the physical key: 'ArrowLeft',
// 'KeyQ'), so a map does not change with the keyboard layout.
//
// Gymnasium ships one map (MountainCar.get_keys_to_action: ← 0, → 2, none or both 1); the others
// here follow the envs' action meanings. A noop of null means "wait for the player": the env
// steps only while a mapped key is held (play's wait_on_player), for envs without a do-nothing
// action (CartPole, whose two actions both push). Continuous envs sum per-key contributions over
// a base action and clip to the Box, so opposite keys cancel.
import type { SpaceValue } from '../protocol/env-api.ts';
import type { Space } from '../protocol/schema/spaces.ts';

export interface KeyMap {
  /** Lines for the page: "← / →: push the cart left / right". */
  readonly help: readonly string[];
  /** Every key code the map reads (the page stops these from scrolling it). */
  readonly keys: ReadonlySet<string>;
  /** The action for the keys held now, or null to wait for the player. */
  action(pressed: ReadonlySet<string>): SpaceValue | null;
}

/** Sorted '+'-joined key codes: the lookup key of a combination. */
function combo(keys: Iterable<string>): string {
  return [...keys].sort().join('+');
}

/** Discrete actions from key combinations (each a list of codes) like play's keys_to_action. */
function discreteKeyMap(table: [keys: string[], action: number][], noop: number | null, help: string[]): KeyMap {
  const byCombo = new Map(table.map(([keys, action]) => [combo(keys), action]));
  const keys = new Set(table.flatMap(([k]) => k));
  return {
    help,
    keys,
    action(pressed) {
      const held = [...pressed].filter((k) => keys.has(k));
      return byCombo.get(combo(held)) ?? noop;
    },
  };
}

/** Box actions: `base` plus the vector of every held key, clipped to [low, high]. */
function continuousKeyMap(
  low: readonly number[],
  high: readonly number[],
  base: readonly number[],
  perKey: Record<string, readonly number[]>,
  help: string[],
): KeyMap {
  const keys = new Set(Object.keys(perKey));
  return {
    help,
    keys,
    action(pressed) {
      const a = Float32Array.from(base);
      for (const k of pressed) {
        const d = perKey[k];
        if (d !== undefined) for (let i = 0; i < a.length; i++) a[i] += d[i];
      }
      for (let i = 0; i < a.length; i++) a[i] = Math.min(high[i], Math.max(low[i], a[i]));
      return a;
    },
  };
}

const L = 'ArrowLeft';
const R = 'ArrowRight';
const U = 'ArrowUp';

/** The env's family: 'LunarLander' for 'LunarLander-v3' and 'LunarLanderContinuous-v3' alike. */
function family(envId: string): string {
  return envId.replace(/-v\d+$/, '').replace(/(Continuous|Hardcore)$/, '');
}

/** The key map for an env, by its id and its action space (LunarLander's kwarg continuous changes the space). */
export function keyMapFor(envId: string, actionSpace: Space): KeyMap {
  const f = family(envId);
  if (actionSpace.type === 'Discrete') {
    const n = actionSpace.n;
    const s = actionSpace.start;
    if (f === 'CartPole' && n === 2)
      return discreteKeyMap(
        [
          [[L], s],
          [[R], s + 1],
        ],
        null,
        ['← / →: push the cart left / right', 'no key: the env waits (CartPole has no do-nothing action)'],
      );
    if (f === 'MountainCar' && n === 3)
      return discreteKeyMap(
        [
          [[], s + 1],
          [[L], s],
          [[R], s + 2],
          [[L, R], s + 1],
        ],
        s + 1,
        ['← / →: accelerate left / right', 'no key: no acceleration'],
      );
    if (f === 'Acrobot' && n === 3)
      return discreteKeyMap(
        [
          [[L], s],
          [[R], s + 2],
        ],
        s + 1,
        ['← / →: torque −1 / +1 on the joint', 'no key: no torque'],
      );
    if (f === 'LunarLander' && n === 4)
      return discreteKeyMap(
        [
          [[L], s + 1],
          [[U], s + 2],
          [[R], s + 3],
        ],
        s,
        ['↑: main engine', '← / →: left / right orientation engine', 'no key (or two at once): engines off'],
      );
    const digits: [string[], number][] = [];
    for (let i = 0; i < Math.min(n, 10); i++) digits.push([[`Digit${i}`], s + i]);
    return discreteKeyMap(digits, s, [`0–${Math.min(n, 10) - 1}: action start + digit`, 'no key: the first action']);
  }
  if (actionSpace.type === 'Box') {
    const { low, high } = actionSpace;
    const dims = low.length;
    const zero = new Array<number>(dims).fill(0);
    const unit = (i: number, v: number) => zero.map((_, j) => (j === i ? v : 0));
    if (f === 'Pendulum' && dims === 1)
      return continuousKeyMap(low, high, zero, { [L]: [high[0]], [R]: [low[0]] }, [
        `← / →: torque ${high[0]} (counter-clockwise) / ${low[0]} (clockwise)`,
        'no key: no torque',
      ]);
    if (f === 'MountainCar' && dims === 1)
      return continuousKeyMap(low, high, zero, { [L]: [low[0]], [R]: [high[0]] }, [
        `← / →: force ${low[0]} / +${high[0]}`,
        'no key: no force',
      ]);
    if (f === 'LunarLander' && dims === 2) {
      return continuousKeyMap(low, high, [-1, 0], { [U]: [2, 0], [L]: [0, -1], [R]: [0, 1] }, [
        '↑: main engine full (action[0] = 1; off = −1)',
        '← / →: left / right orientation engine full (action[1] = −1 / +1)',
        'no key: engines off',
      ]);
    }
    if (f === 'BipedalWalker' && dims === 4) {
      const pairs = [
        ['KeyQ', 'KeyA'],
        ['KeyW', 'KeyS'],
        ['KeyO', 'KeyL'],
        ['KeyP', 'Semicolon'],
      ];
      const names = ['hip 1', 'knee 1', 'hip 2', 'knee 2'];
      const perKey: Record<string, number[]> = {};
      pairs.forEach(([up, down], i) => {
        perKey[up] = unit(i, high[i]);
        perKey[down] = unit(i, low[i]);
      });
      return continuousKeyMap(low, high, zero, perKey, [
        ...pairs.map(([u, d], i) => `${u.slice(-1)} / ${d === 'Semicolon' ? ';' : d.slice(-1)}: ${names[i]} motor +1 / −1`),
        'no key: motors off',
      ]);
    }
    // Any other Box: a pair of keys per dimension (up to 4), as for BipedalWalker.
    const pairs = [
      [U, 'ArrowDown'],
      [R, L],
      ['KeyW', 'KeyS'],
      ['KeyD', 'KeyA'],
    ].slice(0, dims);
    const perKey: Record<string, number[]> = {};
    pairs.forEach(([up, down], i) => {
      perKey[up] = unit(i, Number.isFinite(high[i]) ? high[i] : 1);
      perKey[down] = unit(i, Number.isFinite(low[i]) ? low[i] : -1);
    });
    return continuousKeyMap(low, high, zero, perKey, [
      ...pairs.map(([u, d], i) => `${u} / ${d}: action[${i}] high / low`),
      'no key: zeros',
    ]);
  }
  return { help: ['no key map for this action space: let an actor play it'], keys: new Set(), action: () => null };
}
