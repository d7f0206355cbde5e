// The python3 the Python tests run: the first of GYMWIRE_PYTHON, /usr/bin/python3, python3 that
// imports msgpack and websockets, whether it has numpy, and whether it imports the real
// Gymnasium 1.4.0 (../shared/vendor/gymnasium-1.4.0). Tests skip, with the reason, when none
// does (Debian: apt-get install python3-msgpack python3-websockets python3-numpy
// python3-cloudpickle python3-typing-extensions python3-venv, as .ci/run does), or when the
// vendored Gymnasium is missing (a bare clone); under CI they fail instead (test/prerequisites.ts).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const GYMNASIUM = join(ROOT, '../shared/vendor/gymnasium-1.4.0');

interface Found {
  python: string;
  numpy: boolean;
  /** Why the real Gymnasium cannot be imported, or null when it can. */
  noGymnasium: string | null;
}

function findPython(): Found | { missing: string } {
  const candidates = [process.env.GYMWIRE_PYTHON, '/usr/bin/python3', 'python3'].filter((c): c is string => !!c);
  const tried: string[] = [];
  for (const python of candidates) {
    const r = spawnSync(python, ['-c', 'import msgpack, websockets\ntry:\n import numpy; print("numpy")\nexcept ImportError: print("-")'], {
      encoding: 'utf8',
    });
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
    return { python, numpy: r.stdout.trim() === 'numpy', noGymnasium };
  }
  return { missing: `no python3 with msgpack and websockets (${tried.join('; ')})` };
}

export const found = findPython();
/** The reason to skip every Python test, or false. */
export const skip: string | false = 'missing' in found ? found.missing : false;
export const python = 'python' in found ? found.python : '';
/** The reason to skip a test that needs the real Gymnasium, or false. */
export const skipGymnasium: string | false = skip || ('noGymnasium' in found && found.noGymnasium) || false;
