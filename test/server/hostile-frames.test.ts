// Issue 10's attacks, each in every field of every request kind, against a server in its
// own process started with the defaults: cycles and shared-reference DAGs (msgpackr's
// structured clone), nesting 900 and 200,000 deep, and every extension format x the ext
// types msgpackr knows. Each frame must be answered with bad_request (with the frame's id
// unless the attack is the id itself) within a bounded time; the server stays up; the
// attacking connection still works afterwards; a bystander on another connection steps on,
// equal to a local env, never waiting long.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServerProcess, type ServerProcess } from '../../bench/server-process.ts';
import { encodeMessage } from '../../protocol/codec.ts';
import { RawClient } from './raw-client.ts';
import { attacks, slots } from './attack-frames.ts';
import { ANSWER_WITHIN_MS, assertQuotedInPart, quotingRequests, within } from './hostile-checks.ts';
import { startBystander } from './bystander.ts';

let server: ServerProcess;
let exited: string | null = null;
before(async () => {
  server = await startServerProcess();
  server.child.once('exit', (code, signal) => (exited = `code ${code}, signal ${signal}`));
});
after(() => server.stop());

test('every attack in every field of every request is answered bad_request; the server and a bystander carry on', async () => {
  const client = await RawClient.open(server.url);
  assert.ok((await client.call({ op: 'hello', protocol_version: '1.2', client_name: 'attacker', client_version: '0' })).result);
  const single = (await client.call({ op: 'make', env_id: 'CartPole-v1' })).result.handle as number;
  const vector = (await client.call({ op: 'make', env_id: 'CartPole-v1', num_envs: 2 })).result.handle as number;
  for (const handle of [single, vector]) assert.ok((await client.call({ op: 'reset', handle, seed: 0 })).result);
  const bystander = await startBystander(server.url);

  const perGroup = new Map<string, number>();
  let slowest = 0;
  let id = 1000;
  const stepsBefore = bystander.steps;
  for (const attack of attacks()) {
    for (const slot of slots(single, vector)) {
      const frame = slot.frame(++id, attack.bytes);
      const t0 = performance.now();
      const answer = await within(client.sendBytes(frame), ANSWER_WITHIN_MS, `${attack.name} in ${slot.name}`, () => exited);
      slowest = Math.max(slowest, performance.now() - t0);
      const where = `${attack.name} in ${slot.name}: ${JSON.stringify(answer).slice(0, 300)}`;
      assert.equal(answer.error?.code, 'bad_request', where);
      assert.equal(answer.id, slot.answersWithId ? id : null, where);
      assert.ok(answer.error.message.length < 300, where);
      perGroup.set(attack.group, (perGroup.get(attack.group) ?? 0) + 1);
    }
  }
  assert.equal(exited, null);
  assert.ok(bystander.steps > stepsBefore, 'the bystander stepped while the attack ran');

  // The attacking connection and its envs still work.
  const step = await client.call({ op: 'step', handle: single, action: 1 });
  assert.equal(typeof step.result?.reward, 'number', JSON.stringify(step));
  const vstep = await client.sendBytes(encodeMessage({ id: 1, op: 'step', handle: vector, action: [0, 1] }));
  assert.ok(vstep.result, JSON.stringify(vstep));
  await client.close();

  const seen = await bystander.stop();
  console.log(
    `hostile frames: ${[...perGroup].map(([g, n]) => `${g} ${n}`).join(', ')}; slowest answer ${slowest.toFixed(1)} ms; ` +
      `bystander ${seen.steps} steps, longest wait ${seen.maxWaitMs.toFixed(1)} ms`,
  );
  assert.ok(seen.steps >= 100);
  assert.equal(exited, null);
});

test('what a client sent is quoted only in part: error answers stay small whatever the request holds', async () => {
  const client = await RawClient.open(server.url);
  await client.call({ op: 'hello', protocol_version: '1.2', client_name: 'x'.repeat(100_000), client_version: '0' });
  const { handle } = (await client.call({ op: 'make', env_id: 'CartPole-v1' })).result;
  await client.call({ op: 'reset', handle, seed: 0 });
  await assertQuotedInPart(client, quotingRequests(handle), () => exited);
  await client.close();
  assert.equal(exited, null);
});
