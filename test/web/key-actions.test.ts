// Keys → actions (web/key-actions.ts), checked against Gymnasium's one shipped map and the
// rules of gymnasium.utils.play: unknown combinations give the noop, only mapped keys count.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { keyMapFor } from '../../web/key-actions.ts';
import { box, discrete } from '../../protocol/spaces.ts';
import { make } from '../../envs/index.ts';

const held = (...keys: string[]) => new Set(keys);

test("MountainCar-v0 maps keys as Gymnasium's get_keys_to_action: {(): 1, (←,): 0, (→,): 2, (→, ←): 1}", () => {
  const map = keyMapFor('MountainCar-v0', discrete(3));
  assert.equal(map.action(held()), 1);
  assert.equal(map.action(held('ArrowLeft')), 0);
  assert.equal(map.action(held('ArrowRight')), 2);
  assert.equal(map.action(held('ArrowLeft', 'ArrowRight')), 1);
  // Keys the map does not read are ignored, as play keeps only its relevant keys.
  assert.equal(map.action(held('ArrowLeft', 'KeyX')), 0);
});

test('CartPole waits for the player (no do-nothing action); LunarLander and Acrobot have a noop', () => {
  const cart = keyMapFor('CartPole-v1', discrete(2));
  assert.equal(cart.action(held()), null);
  assert.equal(cart.action(held('ArrowLeft')), 0);
  assert.equal(cart.action(held('ArrowRight')), 1);
  assert.equal(cart.action(held('ArrowLeft', 'ArrowRight')), null, 'an unknown combination is the noop');
  const lander = keyMapFor('LunarLander-v3', discrete(4));
  assert.deepEqual(
    [held(), held('ArrowLeft'), held('ArrowUp'), held('ArrowRight'), held('ArrowUp', 'ArrowLeft')].map((k) => lander.action(k)),
    [0, 1, 2, 3, 0],
  );
  const acrobot = keyMapFor('Acrobot-v1', discrete(3));
  assert.deepEqual(
    [held(), held('ArrowLeft'), held('ArrowRight')].map((k) => acrobot.action(k)),
    [1, 0, 2],
  );
});

test('continuous maps add up the held keys over a base action and clip to the Box', () => {
  const pendulum = keyMapFor('Pendulum-v1', box(-2, 2, [1]));
  assert.deepEqual(Array.from(pendulum.action(held()) as Float32Array), [0]);
  assert.deepEqual(Array.from(pendulum.action(held('ArrowLeft')) as Float32Array), [2]);
  assert.deepEqual(Array.from(pendulum.action(held('ArrowRight')) as Float32Array), [-2]);
  assert.deepEqual(Array.from(pendulum.action(held('ArrowLeft', 'ArrowRight')) as Float32Array), [0]);
  const lander = keyMapFor('LunarLanderContinuous-v3', box(-1, 1, [2]));
  assert.deepEqual(Array.from(lander.action(held()) as Float32Array), [-1, 0], 'engines off');
  assert.deepEqual(Array.from(lander.action(held('ArrowUp', 'ArrowRight')) as Float32Array), [1, 1]);
  // LunarLander-v3 with continuous=True has the Box space: the map follows the space, not the id.
  assert.deepEqual(Array.from(keyMapFor('LunarLander-v3', box(-1, 1, [2])).action(held('ArrowLeft')) as Float32Array), [-1, -1]);
  const walker = keyMapFor('BipedalWalker-v3', box(-1, 1, [4]));
  assert.deepEqual(Array.from(walker.action(held('KeyQ', 'KeyS', 'KeyL')) as Float32Array), [1, -1, -1, 0]);
  const car = keyMapFor('MountainCarContinuous-v0', box(-1, 1, [1]));
  assert.deepEqual(Array.from(car.action(held('ArrowRight')) as Float32Array), [1]);
});

test('every registered env has a key map whose actions are in its action space, with help for the page', () => {
  for (const id of [
    'CartPole-v1',
    'MountainCar-v0',
    'MountainCarContinuous-v0',
    'Pendulum-v1',
    'Acrobot-v1',
    'LunarLander-v3',
    'LunarLanderContinuous-v3',
    'BipedalWalker-v3',
    'BipedalWalkerHardcore-v3',
  ]) {
    const env = make(id);
    const space = env.actionSpace;
    env.close();
    const map = keyMapFor(id, space);
    assert.ok(map.help.length >= 2 && map.keys.size >= 2, `${id}: ${map.help.join('; ')}`);
    assert.ok(!map.help.some((l) => /generic|action\[\d\] high/.test(l)), `${id} falls back to the generic map`);
    for (const k of [...map.keys, 'none']) {
      const a = map.action(held(k));
      if (a === null) continue;
      if (space.type === 'Discrete')
        assert.ok(Number.isInteger(a) && (a as number) >= space.start && (a as number) < space.start + space.n, `${id} ${k} → ${a}`);
      else if (space.type === 'Box')
        (a as Float32Array).forEach((v, i) => assert.ok(v >= space.low[i] && v <= space.high[i], `${id} ${k} → ${v}`));
    }
  }
});
