import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildConfig, BASE_CONFIG } from '../../agents/config.ts';
import { DDPG_DEFAULTS } from '../../agents/ddpg.ts';

test('per-env defaults, then config file, then flags', () => {
  const bare = buildConfig({ env: 'Pendulum-v1' });
  assert.deepEqual(bare.actorHidden, DDPG_DEFAULTS['Pendulum-v1'].actorHidden);
  assert.equal(bare.out, 'runs/Pendulum-v1-ddpg-s0');
  const unknown = buildConfig({ env: 'Foo-v0' });
  assert.deepEqual(unknown.actorHidden, BASE_CONFIG.actorHidden);
  const c = buildConfig({ 'actor-lr': '3e-4', 'critic-hidden': '400,300', 'save-replay': true, seed: '7' }, { env: 'Pendulum-v1', actorLr: 1e-2, gamma: 0.9 });
  assert.equal(c.actorLr, 3e-4);
  assert.equal(c.gamma, 0.9);
  assert.deepEqual(c.criticHidden, [400, 300]);
  assert.equal(c.saveReplay, true);
  assert.equal(c.out, 'runs/Pendulum-v1-ddpg-s7');
});

test('bad values are rejected with the flag named', () => {
  assert.throws(() => buildConfig({ steps: 'ten' }), /--steps/);
  assert.throws(() => buildConfig({ 'actor-hidden': '64,x' }), /--actor-hidden/);
  assert.throws(() => buildConfig({ tau: '0' }), /tau/);
  assert.throws(() => buildConfig({ noise: 'pink' }), /noise/);
});

test('a new noise sigma without a final sigma means no decay', () => {
  const c = buildConfig({ 'noise-sigma': '0.3' });
  assert.equal(c.noiseSigmaFinal, 0.3);
});
