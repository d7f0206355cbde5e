// The python3 the Python tests run: the first of GYMWIRE_PYTHON, /usr/bin/python3, python3 that
// imports msgpack and websockets, whether it has numpy, and whether it imports the real
// Gymnasium 1.4.0 (../shared/vendor/gymnasium-1.4.0). Tests skip, with the reason, when none
// does (Debian: apt-get install python3-msgpack python3-websockets python3-numpy
// python3-cloudpickle python3-typing-extensions python3-venv, as .ci/run does), or when the
// vendored Gymnasium is missing (a bare clone); under CI they fail instead (test/prerequisites.ts).
// The Python server runs on the websockets library, whose server changed at 14 (the legacy
// server up to 13, the asyncio one from 14): its tests run under the system's copy (Debian's
// 10.4) and under the vendored 17.0.1 (../shared/vendor/websockets-17.0.1), WEBSOCKETS_RUNS.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const GYMNASIUM = join(ROOT, '../shared/vendor/gymnasium-1.4.0');
export const WEBSOCKETS_17 = join(ROOT, '../shared/vendor/websockets-17.0.1');

interface Found {
  python: string;
  numpy: boolean;
  /** The version of the websockets it imports by itself. */
  websockets: string;
  /** Why the real Gymnasium cannot be imported, or null when it can. */
  noGymnasium: string | null;
}

function findPython(): Found | { missing: string } {
  const candidates = [process.env.GYMWIRE_PYTHON, '/usr/bin/python3', 'python3'].filter((c): c is string => !!c);
  const tried: string[] = [];
  for (const python of candidates) {
    const r = spawnSync(
      python,
      [
        '-c',
        'import msgpack, websockets\nprint(websockets.__version__)\ntry:\n import numpy; print("numpy")\nexcept ImportError: print("-")',
      ],
      { encoding: 'utf8' },
    );
    if (r.status !== 0) {
      tried.push(`${python}: ${r.error ? r.error.message : (r.stderr.trim().split('\n').pop() ?? `exit ${r.status}`)}`);
      continue;
    }
    let noGymnasium: string | null = null;
    if (!existsSync(GYMNASIUM)) noGymnasium = `no Gymnasium 1.4.0 at ${GYMNASIUM} (the vendored copy kept beside the repository)`;
    else {
      const g = spawnSync(python, ['-c', 'import gymnasium'], { encoding: 'utf8', env: { ...process.env, PYTHONPATH: GYMNASIUM } });
      if (g.status !== 0) noGymnasium = `gymnasium does not import: ${g.stderr.trim().split('\n').pop()}`;
    }
    const [websockets, numpy] = r.stdout.trim().split('\n');
    return { python, numpy: numpy === 'numpy', websockets, noGymnasium };
  }
  return { missing: `no python3 with msgpack and websockets (${tried.join('; ')})` };
}

export const found = findPython();
/** The reason to skip every Python test, or false. */
export const skip: string | false = 'missing' in found ? found.missing : false;
export const python = 'python' in found ? found.python : '';
/** The reason to skip a test that needs the real Gymnasium, or false. */
export const skipGymnasium: string | false = skip || ('noGymnasium' in found && found.noGymnasium) || false;

/** Why the vendored websockets 17.0.1 cannot be used (or the vendored Gymnasium), or false. */
function missingWebsockets17(): string | false {
  if (skipGymnasium) return skipGymnasium;
  if (!existsSync(WEBSOCKETS_17)) return `no websockets 17.0.1 at ${WEBSOCKETS_17} (the vendored copy kept beside the repository)`;
  const r = spawnSync(python, ['-c', 'import websockets, websockets.asyncio.server; print(websockets.__version__)'], {
    encoding: 'utf8',
    env: { ...process.env, PYTHONPATH: WEBSOCKETS_17 },
  });
  if (r.status !== 0) return `websockets 17.0.1 does not import: ${r.stderr.trim().split('\n').pop()}`;
  return r.stdout.trim() === '17.0.1' ? false : `${WEBSOCKETS_17} holds websockets ${r.stdout.trim()}, not 17.0.1`;
}

export interface WebsocketsRun {
  /** E.g. "websockets 10.4 (system)". */
  name: string;
  /** The version the Python processes must import (support.py checks it: GYMWIRE_TEST_WEBSOCKETS). */
  version: string;
  /** PYTHONPATH for a Python process that needs the real Gymnasium, with this websockets. */
  pythonPath: string;
  /** Why this run cannot be made here, or false. */
  missing: string | false;
}

/** The websockets versions the Python server is tested under: the system's, then the vendored 17.0.1. */
export const WEBSOCKETS_RUNS: WebsocketsRun[] = [
  {
    name: `websockets ${'websockets' in found ? found.websockets : '?'} (system)`,
    version: 'websockets' in found ? found.websockets : '',
    pythonPath: GYMNASIUM,
    missing: skipGymnasium,
  },
  { name: 'websockets 17.0.1 (vendored)', version: '17.0.1', pythonPath: `${WEBSOCKETS_17}:${GYMNASIUM}`, missing: missingWebsockets17() },
];
