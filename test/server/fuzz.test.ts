// The fuzzer (test/fuzz/) against a server in another process, with a fixed seed: values
// from the whole msgpack grammar (every format, extension types, structured-clone shared
// references and cycles, nesting past the bound) in every field of every request kind, valid
// requests, raw bytes and mutated frames, on many connections, while a well-behaved client
// steps CartPole on its own connection. Invariants: the server never exits; every frame under
// the payload limit gets exactly one well-formed answer, in order, with its id when readable,
// and bad_request whenever the bytes must be refused; oversized frames close 1009; the
// bystander's every step equals a local env's. `npm run fuzz -- --seed N --runs N` runs it
// longer or with another seed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { ServerProcess } from '../../bench/server-process.ts';
import { RemoteEnv } from '../../client/remote-env.ts';
import { FRAME_CLASSES, spawnFuzzTarget, fuzzServer, oversizedCloses } from '../fuzz/run.ts';
import { startBystander } from './bystander.ts';

const SEED = Number(process.env.FUZZ_SEED ?? 20240607);
const RUNS = 120;
const FRAMES_PER_RUN = 200;
const MAX_PAYLOAD = 65536;
const OVERSIZED = 12;

let server: ServerProcess;
let exited: string | null = null;
before(async () => {
  server = await spawnFuzzTarget(MAX_PAYLOAD);
  server.child.once('exit', (code, signal) => (exited = `code ${code}, signal ${signal}`));
});
after(() => server.stop());

test(`fuzz (seed ${SEED}): every frame answered once, hostile bytes refused, the server and a bystander carry on`, async () => {
  const t0 = Date.now();
  const bystander = await startBystander(server.url);
  const counts = await fuzzServer({ url: server.url, seed: SEED, runs: RUNS, framesPerRun: FRAMES_PER_RUN, maxPayload: MAX_PAYLOAD });
  const closes = await oversizedCloses(server.url, MAX_PAYLOAD, SEED, OVERSIZED);
  const seen = await bystander.stop();
  console.log(
    `fuzz seed ${SEED}: ${counts.runs} connections, ${counts.frames} frames (+${OVERSIZED} oversized, ${counts.skipped} generated over the limit and not sent) in ${((Date.now() - t0) / 1000).toFixed(1)} s\n` +
      `  by class: ${JSON.stringify(counts.byClass)}\n  answers: ${counts.results} results, errors ${JSON.stringify(counts.byCode)}\n` +
      `  bystander: ${seen.steps} steps, longest wait ${seen.maxWaitMs.toFixed(1)} ms`,
  );
  assert.equal(exited, null, 'the server exited');
  assert.deepEqual(closes, Array(OVERSIZED).fill(1009));
  // Every class of frame was generated, often.
  for (const cls of FRAME_CLASSES) {
    assert.ok((counts.byClass[cls] ?? 0) >= 50, `${cls}: ${counts.byClass[cls] ?? 0} frames`);
  }
  assert.ok(counts.results > 1000, 'valid requests among them still succeed');
  assert.ok(seen.steps >= 100);

  // Still serving after all that.
  const afterwards = await RemoteEnv.connect(server.url, 'Pendulum-v1', {}, { reconnect: false });
  await afterwards.reset({ seed: 0 });
  await afterwards.close();
  assert.equal(exited, null);
});
