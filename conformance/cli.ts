// npm run conformance -- --url ws://HOST:PORT [--env ID]: checks a gymwire server against
// protocol/PROTOCOL.md. One line per check, a summary, exit code 0 only if none failed.
import { parseArgs } from 'node:util';
import { formatResult, runConformance } from './run.ts';

const HELP = `Usage: npm run conformance -- --url ws://HOST:PORT [--env ID] [--timeout MS] [--only TEXT]

Checks any gymwire server (in any language) against protocol/PROTOCOL.md over raw
WebSocket frames: handshake and versions, list_envs, make/reset/step/render/close, spaces,
seeding, typed errors, malformed frames, limits, pipelining and vector envs.

Options:
  --url URL      the server (required)
  --env ID       env id for the env checks (default: the first one list_envs reports)
  --timeout MS   how long to wait for one answer (default 10000)
  --only TEXT    run only the checks whose name contains TEXT
  -h, --help     this text

Prints PASS/FAIL/SKIP and the reason for each check, then a summary. Exit code 0 when no
check failed (skips are allowed), 1 when one did, 2 on bad arguments.`;

function usage(message: string): never {
  console.error(`conformance: ${message}\n\n${HELP}`);
  process.exit(2);
}

let values: { url?: string; env?: string; timeout?: string; only?: string; help?: boolean };
try {
  ({ values } = parseArgs({
    options: {
      url: { type: 'string' },
      env: { type: 'string' },
      timeout: { type: 'string' },
      only: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  }));
} catch (e) {
  usage((e as Error).message);
}
if (values.help) {
  console.log(HELP);
  process.exit(0);
}
if (!values.url) usage('--url is required');
if (!/^wss?:\/\/\S+$/.test(values.url)) usage(`--url must be ws://HOST:PORT, got '${values.url}'`);
const timeoutMs = values.timeout === undefined ? 10_000 : Number(values.timeout);
if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) usage(`--timeout must be a positive integer, got '${values.timeout}'`);

const report = await runConformance({
  url: values.url,
  env: values.env,
  timeoutMs,
  only: values.only,
  onResult: (r) => console.log(formatResult(r)),
});
const counts = `${report.passed} passed, ${report.failed} failed, ${report.skipped} skipped`;
console.log(`\nconformance of ${report.url}${report.env ? ` (env ${report.env})` : ''}: ${counts}`);
process.exit(report.failed === 0 ? 0 : 1);
