// npm run k8s [-- --replicas N --image IMAGE --budget-mib MIB --token-secret NAME ... --out DIR | --check]
// Writes the farm's and the trainer's manifests (k8s/manifests.ts) as YAML.
import { parseArgs } from 'node:util';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FARM_DEFAULTS, PARAM_FLAGS, readParams, renderFiles } from './manifests.ts';

const HERE = fileURLToPath(new URL('.', import.meta.url));

const PARAM_HELP = PARAM_FLAGS.map(
  (f) => `  --${f.flag} ${f.kind === 'int' ? 'N' : 'TEXT'}`.padEnd(28) + `${f.help} (default ${FARM_DEFAULTS[f.key]})`,
).join('\n');
const HELP = `Usage: npm run k8s -- [flags] [--out DIR] [--check]

Writes farm.yaml (headless Service + Deployment of env servers) and trainer.yaml
(PersistentVolumeClaim + training Job) from k8s/manifests.ts.

  --out DIR                 where to write (default: k8s/ in this repository, the copies
                            kept current by the tests: write other parameters elsewhere)
  --check                   write nothing; exit 1 if a file in DIR differs from what the
                            flags give
${PARAM_HELP}
  -h, --help                this text`;

function fail(message: string): never {
  console.error(`k8s: ${message}\n\n${HELP}`);
  process.exit(2);
}

let values: Record<string, string | boolean | undefined>;
try {
  ({ values } = parseArgs({
    options: {
      out: { type: 'string' },
      check: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
      ...Object.fromEntries(PARAM_FLAGS.map((f) => [f.flag, { type: 'string' as const }])),
    },
    strict: true,
  }));
} catch (e) {
  fail((e as Error).message);
}
if (values.help) {
  console.log(HELP);
  process.exit(0);
}

let files: Record<string, string>;
try {
  files = renderFiles(readParams(values as Record<string, string | undefined>));
} catch (e) {
  fail((e as Error).message);
}
// npm runs scripts from the package root; INIT_CWD is where the user typed the command.
const out = values.out === undefined ? HERE : resolve(process.env.INIT_CWD ?? process.cwd(), values.out as string);

if (values.check) {
  const stale = Object.entries(files).filter(([file, text]) => {
    try {
      return readFileSync(join(out, file), 'utf8') !== text;
    } catch {
      return true;
    }
  });
  for (const [file] of stale) console.error(`${join(out, file)} is not what k8s/manifests.ts gives: run npm run k8s`);
  process.exit(stale.length ? 1 : 0);
}
mkdirSync(out, { recursive: true });
for (const [file, text] of Object.entries(files)) {
  writeFileSync(join(out, file), text);
  console.log(`wrote ${join(out, file)}`);
}
