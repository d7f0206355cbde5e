// npm run fuzz [-- --seed N --runs N --frames N --url ws://...]: the fuzzer of
// test/server/fuzz.test.ts, longer or with another seed, against a server it starts (or any
// running server, e.g. the Python one, with --url). Prints the counts per frame class and
// the answers per code; exits 1 with fast-check's report (seed, shrunk counterexample) when
// an invariant breaks. A failing seed replays with --seed.
import type { ServerProcess } from '../bench/server-process.ts';
import { benchArgs } from '../bench/cli-args.ts';
import { RawClient } from '../test/server/raw-client.ts';
import { spawnFuzzTarget, fuzzServer, oversizedCloses } from '../test/fuzz/run.ts';

const USAGE = `
npm run fuzz -- [flags]
  --seed N      fast-check seed (default: random, printed)
  --runs N      runs, one connection each (default 1000)
  --frames N    at most N frames per run (default 200)
  --url URL     fuzz a running server instead of starting one
  -h, --help    this text`;

const values = benchArgs(USAGE, {
  seed: { type: 'string' },
  runs: { type: 'string', default: '1000' },
  frames: { type: 'string', default: '200' },
  url: { type: 'string' },
});
const seed = values.seed === undefined ? Date.now() % 2 ** 31 : Number(values.seed);
const runs = Number(values.runs);
const framesPerRun = Number(values.frames);
if (![seed, runs, framesPerRun].every((n) => Number.isSafeInteger(n) && n >= 0)) {
  console.error(`--seed, --runs and --frames are non-negative integers\n${USAGE}`);
  process.exit(2);
}

let server: ServerProcess | null = null;
let exited: string | null = null;
let url = values.url;
if (url === undefined) {
  server = await spawnFuzzTarget(65536);
  server.child.once('exit', (code, signal) => (exited ??= `code ${code}, signal ${signal}`));
  url = server.url;
}
const probe = await RawClient.open(url);
const maxPayload = (await probe.hello()).result.limits.max_payload_bytes as number;
await probe.close();

const t0 = Date.now();
console.log(`fuzzing ${url} with seed ${seed}: ${runs} runs of up to ${framesPerRun} frames`);
try {
  const counts = await fuzzServer({ url, seed, runs, framesPerRun, maxPayload });
  const closes = await oversizedCloses(url, maxPayload, seed, 8);
  const seconds = ((Date.now() - t0) / 1000).toFixed(1);
  console.log(
    `${counts.runs} runs, ${counts.frames} frames in ${seconds} s (${counts.skipped} generated over the payload limit, not sent)`,
  );
  for (const [cls, n] of Object.entries(counts.byClass).sort()) console.log(`  ${cls.padEnd(28)} ${n}`);
  console.log(`answers: ${counts.results} results; errors ${JSON.stringify(counts.byCode)}`);
  console.log(`oversized frames: close codes ${closes.join(', ')}`);
  if (exited !== null) throw new Error(`the server exited (${exited})`);
  if (closes.some((c) => c !== 1009)) throw new Error('an oversized frame was not closed with 1009');
} catch (e) {
  console.error(`FAILED (seed ${seed}): ${(e as Error).message}`);
  process.exitCode = 1;
} finally {
  await server?.stop();
}
