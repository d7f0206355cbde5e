// The numbers the Python server repeats from the Node server must agree: its default limits
// (EnvServer's keywords, and the defaults `python3 -m gymwire serve --help` shows) with
// LIMIT_DEFAULTS (server/limits.ts), its frame-scan bounds (python/gymwire/msgpack_scan.py) with
// protocol/msgpack-scan.ts, its failed-token lockout and token length (server_auth.py) with
// server/auth.ts, its close codes (server_admission.py) with CLOSE, its largest request id with
// the schema's. Each pair is compared by name; python3 prints its side. A LIMIT_DEFAULTS key
// with no Python counterpart must be listed in NODE_ONLY, with the reason, so a new Node limit
// is either mirrored or said not to be. Needs python3 with msgpack and websockets (not
// Gymnasium); skipped with the reason without it, failing under CI=true.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { CLOSE, LIMIT_DEFAULTS, type Limits } from '../../server/limits.ts';
import { MAX_DEPTH, MAX_VALUES } from '../../protocol/msgpack-scan.ts';
import {
  AUTH_FAILURES_ALLOWED,
  AUTH_TABLE_MAX,
  FORGET_AFTER_MS,
  LOCKOUT_BASE_MS,
  LOCKOUT_MAX_MS,
  MIN_TOKEN_LENGTH,
} from '../../server/auth.ts';
import { RequestEnvelope } from '../../protocol/schema/messages.ts';
import { python, ROOT, skip } from './find-python.ts';
import { requireOrSkip } from '../prerequisites.ts';

/** The Python side, by name: EnvServer's keyword defaults, the CLI's shown defaults (parsed), module constants. */
const PYTHON_PROGRAM = `
import inspect, json
from gymwire import cli, msgpack_scan, server, server_admission, server_auth, server_request

out = {}
for name, p in inspect.signature(server.EnvServer.__init__).parameters.items():
    if p.default is not inspect.Parameter.empty and isinstance(p.default, (int, float)) and not isinstance(p.default, bool):
        out[f"EnvServer({name})"] = p.default
for flag, dest, kind, _, shown in cli.LIMIT_FLAGS:
    out[f"serve --{flag}"] = cli._parse(kind, flag, shown)
for module, names in (
    (msgpack_scan, ["MAX_DEPTH", "MAX_VALUES"]),
    (server_auth, ["AUTH_FAILURES_ALLOWED", "LOCKOUT_BASE_S", "LOCKOUT_MAX_S", "FORGET_AFTER_S", "AUTH_TABLE_MAX", "MIN_TOKEN_LENGTH"]),
    (server_admission, ["CLOSE_GOING_AWAY", "CLOSE_POLICY", "CLOSE_TRY_AGAIN_LATER"]),
    (server_request, ["MAX_ID"]),
):
    for name in names:
        out[f"{module.__name__.split('.')[-1]}.{name}"] = getattr(module, name)
print(json.dumps(out))
`;

/** A LIMIT_DEFAULTS key and its Python names: EnvServer's keyword, the serve flag; seconds on the Python side for the ms ones. */
const LIMIT_PAIRS: [keyof Limits, string, string][] = [
  ['maxPayloadBytes', 'max_payload_bytes', 'max-payload'],
  ['maxConnections', 'max_connections', 'max-connections'],
  ['maxConnectionsPerAddress', 'max_connections_per_address', 'max-connections-per-address'],
  ['maxUpgradingPerAddress', 'max_upgrading_per_address', 'max-upgrading-per-address'],
  ['maxEnvsPerConnection', 'max_envs', 'max-envs'],
  ['maxNumEnvs', 'max_num_envs', 'max-num-envs'],
  ['upgradeTimeoutMs', 'upgrade_timeout', 'upgrade-timeout'],
  ['helloTimeoutMs', 'hello_timeout', 'hello-timeout'],
  ['idleTimeoutMs', 'idle_timeout', 'idle-timeout'],
];

/** Node limits the Python server does not have, and what it has instead. */
const NODE_ONLY: Partial<Record<keyof Limits, string>> = {
  maxRenderPixels: 'Gymnasium envs render at their own size',
  maxBufferedBytes: "websockets' write buffer; its frame_budget_bytes bounds frames held instead",
  memoryBudget: 'Python counts env instances (max_env_instances), not bytes',
};

/** [Node name, Node value, Python name, Python value → Node's unit]. */
const OTHER_PAIRS: [string, number, string, (v: number) => number][] = [
  ['protocol/msgpack-scan.ts MAX_DEPTH', MAX_DEPTH, 'msgpack_scan.MAX_DEPTH', (v) => v],
  ['protocol/msgpack-scan.ts MAX_VALUES', MAX_VALUES, 'msgpack_scan.MAX_VALUES', (v) => v],
  ['server/auth.ts AUTH_FAILURES_ALLOWED', AUTH_FAILURES_ALLOWED, 'server_auth.AUTH_FAILURES_ALLOWED', (v) => v],
  ['server/auth.ts LOCKOUT_BASE_MS', LOCKOUT_BASE_MS, 'server_auth.LOCKOUT_BASE_S', (v) => v * 1000],
  ['server/auth.ts LOCKOUT_MAX_MS', LOCKOUT_MAX_MS, 'server_auth.LOCKOUT_MAX_S', (v) => v * 1000],
  ['server/auth.ts FORGET_AFTER_MS', FORGET_AFTER_MS, 'server_auth.FORGET_AFTER_S', (v) => v * 1000],
  ['server/auth.ts AUTH_TABLE_MAX', AUTH_TABLE_MAX, 'server_auth.AUTH_TABLE_MAX', (v) => v],
  ['server/auth.ts MIN_TOKEN_LENGTH', MIN_TOKEN_LENGTH, 'server_auth.MIN_TOKEN_LENGTH', (v) => v],
  ['server/limits.ts CLOSE.GOING_AWAY', CLOSE.GOING_AWAY, 'server_admission.CLOSE_GOING_AWAY', (v) => v],
  ['server/limits.ts CLOSE.POLICY', CLOSE.POLICY, 'server_admission.CLOSE_POLICY', (v) => v],
  ['server/limits.ts CLOSE.TRY_AGAIN_LATER', CLOSE.TRY_AGAIN_LATER, 'server_admission.CLOSE_TRY_AGAIN_LATER', (v) => v],
  ['protocol/schema/messages.ts request id maximum', requestIdMaximum(), 'server_request.MAX_ID', (v) => v],
];

function requestIdMaximum(): number {
  const max = (RequestEnvelope.properties.id as { maximum?: number }).maximum;
  if (max === undefined) throw new Error('the request schema gives its id no maximum');
  return max;
}

test('the Python server repeats the Node server’s limits, frame-scan bounds, auth lockout and close codes exactly (compared by name)', (t) => {
  if (requireOrSkip(t, skip)) return;
  const py = JSON.parse(
    execFileSync(python, ['-c', PYTHON_PROGRAM], { encoding: 'utf8', env: { ...process.env, PYTHONPATH: join(ROOT, 'python') } }),
  ) as Record<string, number>;
  const get = (name: string): number => {
    assert.ok(name in py, `python has no ${name} (it printed ${Object.keys(py).join(', ')})`);
    return py[name];
  };

  const mismatches: string[] = [];
  const compare = (nodeName: string, nodeValue: number, pyName: string, pyRaw: number, pyValue: number) => {
    const line = `${nodeName} = ${nodeValue}, ${pyName} = ${pyRaw}${pyValue === pyRaw ? '' : ` (${pyValue} ms)`}`;
    t.diagnostic(line);
    if (!Object.is(nodeValue, pyValue)) mismatches.push(line);
  };
  for (const [key, kwarg, flag] of LIMIT_PAIRS) {
    const toNode = key.endsWith('Ms') ? (v: number) => v * 1000 : (v: number) => v;
    for (const pyName of [`EnvServer(${kwarg})`, `serve --${flag}`]) {
      compare(`LIMIT_DEFAULTS.${key}`, LIMIT_DEFAULTS[key], pyName, get(pyName), toNode(get(pyName)));
    }
  }
  for (const [nodeName, nodeValue, pyName, toNode] of OTHER_PAIRS) compare(nodeName, nodeValue, pyName, get(pyName), toNode(get(pyName)));
  assert.deepEqual(mismatches, [], `the Python server disagrees with the Node server:\n${mismatches.join('\n')}`);

  // Every Node limit is either compared or said to have no Python counterpart.
  const covered = new Set<string>([...LIMIT_PAIRS.map(([k]) => k), ...Object.keys(NODE_ONLY)]);
  const unpaired = Object.keys(LIMIT_DEFAULTS).filter((k) => !covered.has(k));
  assert.deepEqual(unpaired, [], 'LIMIT_DEFAULTS keys neither compared with a Python limit nor listed in NODE_ONLY');
});
