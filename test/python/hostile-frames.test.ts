// Issue 10's attacks against the Python server (python/gymwire/server.py), as
// test/server/hostile-frames.test.ts sends them to the Node one: a server process with the
// defaults hosting Gymnasium's classic-control envs (python/examples/gymnasium_envs.py), and
// cycles and shared-reference DAGs (msgpackr's structured clone: extension types), nesting 900
// and 200,000 deep, and every extension format x the ext types msgpackr knows, each in every
// field of every request kind. Every frame is answered bad_request (with its id unless the
// attack is the id) within a bounded time; the server stays up; the attacking connection still
// works; a bystander stepping CartPole on another connection gets every step equal to a local
// env. Then: what a client sent is quoted only in part, and a short run of the fast-check
// fuzzer (test/fuzz/) against a second server with a 64 KiB payload limit. All of it under each
// websockets version the Python server is tested with (find-python.ts: the system's, Debian's
// 10.4 with the legacy server, and the vendored 17.0.1 with the asyncio one).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnServer, type ServerProcess } from '../../bench/server-process.ts';
import { encodeMessage } from '../../protocol/codec.ts';
import { RawClient } from '../server/raw-client.ts';
import { attacks, slots } from '../server/attack-frames.ts';
import { ANSWER_WITHIN_MS, assertQuotedInPart, quotingRequests, within } from '../server/hostile-checks.ts';
import { startBystander } from '../server/bystander.ts';
import { FRAME_CLASSES, fuzzServer, oversizedCloses } from '../fuzz/run.ts';
import { python, WEBSOCKETS_RUNS, type WebsocketsRun } from './find-python.ts';
import { requireOrSkip } from '../prerequisites.ts';

const FUZZ_SEED = Number(process.env.FUZZ_SEED ?? 20240607);
const FUZZ_RUNS = 40;
const FUZZ_MAX_PAYLOAD = 65536;
const OVERSIZED = 6;

interface Watched {
  server: ServerProcess;
  exited: () => string | null;
}

function startPythonServer(run: WebsocketsRun, args: string[] = []): Promise<Watched> {
  return spawnServer(python, ['python/examples/gymnasium_envs.py', '--port', '0', ...args], {
    name: `the Python server (${run.name})`,
    env: { PYTHONPATH: run.pythonPath },
    timeoutMs: 30_000,
  }).then((server) => {
    let exited: string | null = null;
    server.child.once('exit', (code, signal) => (exited = `code ${code}, signal ${signal}`));
    return { server, exited: () => exited };
  });
}

// Each websockets version the Python server is tested under (find-python.ts): the legacy server
// (10-13) and the asyncio one (14+) read frames differently.
for (const run of WEBSOCKETS_RUNS) {
  let main: Watched;
  before(async () => {
    if (!run.missing) main = await startPythonServer(run);
  });
  after(() => main?.server.stop());

  test(`Python server, ${run.name}: every attack in every field of every request is answered bad_request; the server and a bystander carry on`, async (t) => {
    if (requireOrSkip(t, run.missing)) return;
    const url = main.server.url;
    const client = await RawClient.open(url);
    assert.ok((await client.call({ op: 'hello', protocol_version: '1.2', client_name: 'attacker', client_version: '0' })).result);
    const single = (await client.call({ op: 'make', env_id: 'CartPole-v1' })).result.handle as number;
    const vector = (await client.call({ op: 'make', env_id: 'CartPole-v1', num_envs: 2 })).result.handle as number;
    for (const handle of [single, vector]) assert.ok((await client.call({ op: 'reset', handle, seed: 0 })).result);
    const bystander = await startBystander(url);

    const perGroup = new Map<string, number>();
    let slowest = 0;
    let id = 1000;
    const stepsBefore = bystander.steps;
    for (const attack of attacks()) {
      for (const slot of slots(single, vector)) {
        const frame = slot.frame(++id, attack.bytes);
        const t0 = performance.now();
        const answer = await within(client.sendBytes(frame), ANSWER_WITHIN_MS, `${attack.name} in ${slot.name}`, main.exited);
        slowest = Math.max(slowest, performance.now() - t0);
        const where = `${attack.name} in ${slot.name}: ${JSON.stringify(answer).slice(0, 300)}`;
        assert.equal(answer.error?.code, 'bad_request', where);
        assert.equal(answer.id, slot.answersWithId ? id : null, where);
        assert.ok(answer.error.message.length < 300, where);
        perGroup.set(attack.group, (perGroup.get(attack.group) ?? 0) + 1);
      }
    }
    assert.equal(main.exited(), null);
    assert.ok(bystander.steps > stepsBefore, 'the bystander stepped while the attack ran');

    // The attacking connection and its envs still work.
    const step = await client.call({ op: 'step', handle: single, action: 1 });
    assert.equal(typeof step.result?.reward, 'number', JSON.stringify(step));
    const vstep = await client.sendBytes(encodeMessage({ id: 1, op: 'step', handle: vector, action: [0, 1] }));
    assert.ok(vstep.result, JSON.stringify(vstep));
    await client.close();

    const seen = await bystander.stop();
    console.log(
      `Python server (${run.name}), hostile frames: ${[...perGroup].map(([g, n]) => `${g} ${n}`).join(', ')}; slowest answer ${slowest.toFixed(1)} ms; ` +
        `bystander ${seen.steps} steps, longest wait ${seen.maxWaitMs.toFixed(1)} ms`,
    );
    assert.ok(seen.steps >= 100);
    assert.equal(main.exited(), null);
  });

  test(`Python server, ${run.name}: what a client sent is quoted only in part: error answers stay small whatever the request holds`, async (t) => {
    if (requireOrSkip(t, run.missing)) return;
    const client = await RawClient.open(main.server.url);
    await client.call({ op: 'hello', protocol_version: '1.2', client_name: 'x'.repeat(100_000), client_version: '0' });
    const { handle } = (await client.call({ op: 'make', env_id: 'CartPole-v1' })).result;
    await client.call({ op: 'reset', handle, seed: 0 });
    await assertQuotedInPart(
      client,
      [
        { op: 'hello', protocol_version: `1.${'2'.repeat(1 << 16)}`, client_name: 'x', client_version: '0' },
        { op: 'make', env_id: 'CartPole-v1', kwargs: { max_episode_steps: 'x'.repeat(1 << 20) } },
        ...quotingRequests(handle),
      ],
      main.exited,
    );
    await client.close();
    assert.equal(main.exited(), null);
  });

  test(`Python server, ${run.name}: fuzz (seed ${FUZZ_SEED}, ${FUZZ_RUNS} connections): every frame answered once, hostile bytes refused, a bystander carries on`, async (t) => {
    if (requireOrSkip(t, run.missing)) return;
    const fuzzed = await startPythonServer(run, ['--max-payload', String(FUZZ_MAX_PAYLOAD), '--max-envs', '8', '--max-num-envs', '16']);
    try {
      const t0 = Date.now();
      const bystander = await startBystander(fuzzed.server.url);
      const counts = await fuzzServer({
        url: fuzzed.server.url,
        seed: FUZZ_SEED,
        runs: FUZZ_RUNS,
        framesPerRun: 200,
        maxPayload: FUZZ_MAX_PAYLOAD,
      });
      const closes = await oversizedCloses(fuzzed.server.url, FUZZ_MAX_PAYLOAD, FUZZ_SEED, OVERSIZED);
      const seen = await bystander.stop();
      console.log(
        `Python server (${run.name}), fuzz seed ${FUZZ_SEED}: ${counts.runs} connections, ${counts.frames} frames (+${OVERSIZED} oversized, ${counts.skipped} generated over the limit and not sent) in ${((Date.now() - t0) / 1000).toFixed(1)} s\n` +
          `  by class: ${JSON.stringify(counts.byClass)}\n  answers: ${counts.results} results, errors ${JSON.stringify(counts.byCode)}\n` +
          `  bystander: ${seen.steps} steps, longest wait ${seen.maxWaitMs.toFixed(1)} ms`,
      );
      assert.equal(fuzzed.exited(), null, 'the server exited');
      assert.deepEqual(closes, Array(OVERSIZED).fill(1009));
      for (const cls of FRAME_CLASSES) {
        assert.ok((counts.byClass[cls] ?? 0) >= 10, `${cls}: ${counts.byClass[cls] ?? 0} frames`);
      }
      assert.ok(counts.results > 300, 'valid requests among them still succeed');
      assert.ok(seen.steps >= 100);
    } finally {
      await fuzzed.server.stop();
    }
  });
}
