// npm run env-server [-- --host H --port P --plugin M]: serves every registered env over WebSocket.
import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { startServer } from './server.ts';
import { loadPlugins } from './plugins.ts';
import { DEFAULT_DRAIN_GRACE_S, DEFAULT_HOST, DEFAULT_PORT, type ServerOptions } from './options.ts';
import { LIMIT_DEFAULTS, LIMIT_FLAGS, parseLimit } from './limits.ts';
import { checkTokenFormat, MIN_TOKEN_LENGTH } from './auth.ts';
import { parseAllowedOrigins } from './origin.ts';

const showDefault = (f: (typeof LIMIT_FLAGS)[number]) => {
  const v = LIMIT_DEFAULTS[f.key];
  if (f.bytes && v >= 1024 * 1024 && v % (1024 * 1024) === 0) return `${v / (1024 * 1024)}MiB`;
  return String(v / f.scale);
};
const INDENT = ' '.repeat(19);
const limitHelp = LIMIT_FLAGS.map((f) => {
  const text = `${f.help} (env ${f.env}, default ${showDefault(f)})`;
  const wrapped = text.replace(/(.{1,72})(\s+|$)/g, (_, line: string) => `${INDENT}${line}\n`).trimEnd();
  return `  --${f.flag} N\n${wrapped}`;
}).join('\n');

const HELP = `Usage: npm run env-server -- [--host HOST] [--port PORT] [--plugin MODULE]... [--token T]
                             [--allow-origin ORIGIN]... [--tls-cert FILE --tls-key FILE] [limits]

Serves the gymwire environments over WebSocket (protocol/PROTOCOL.md).

Options:
  --host HOST      interface to listen on (env GYMWIRE_HOST, default ${DEFAULT_HOST})
  --port PORT      TCP port, 0 for any free one (env GYMWIRE_PORT, default ${DEFAULT_PORT})
  --plugin MODULE  load an ES module that registers more envs: a file (.ts/.js, path
                   relative to the current directory) or the name of an installed npm
                   package; repeatable (see examples/README.md)
  --token T        clients must present this token (Authorization: Bearer T, or the
                   sub-protocol gymwire.token.T; one credential per request), at least
                   ${MIN_TOKEN_LENGTH} characters (env GYMWIRE_TOKEN, default none). After 5 failed
                   tries an address is refused (HTTP 429) for 1 s, doubling up to 60 s.
  --allow-origin ORIGIN
                   a browser origin (scheme://host[:port], or '*' for any) allowed to
                   connect; repeatable (env GYMWIRE_ALLOW_ORIGIN, comma-separated).
                   Requests without an Origin header (non-browser clients) are always
                   allowed, and the server's own origin on a loopback or IP-literal host;
                   any other browser origin gets HTTP 403
  --vector-workers N
                   worker threads for big vector envs (16 MiB or more of env instances),
                   so their work and heap stay off the thread that answers every
                   connection; 0 runs them in that thread, in parts
                   (env GYMWIRE_VECTOR_WORKERS, default 1)
  --drain-grace SECONDS
                   on SIGTERM (or SIGINT) the server drains: /readyz answers 503 and new
                   connections are refused (HTTP 503) at once, open connections keep
                   working for up to this long (or until they leave), then are closed
                   with 1001 and the process exits 0; a second signal exits at once
                   (env GYMWIRE_DRAIN_GRACE, default ${DEFAULT_DRAIN_GRACE_S})
  --tls-cert FILE  PEM certificate: serve wss:// (with --tls-key; env GYMWIRE_TLS_CERT)
  --tls-key FILE   PEM private key (env GYMWIRE_TLS_KEY)

Limits (protocol/PROTOCOL.md, "Limits and auth"; byte sizes may end in KiB, MiB, GiB):
${limitHelp}

  -h, --help       show this help

Prints "gymwire env server listening on ws://HOST:PORT" (wss:// with TLS) once it accepts connections,
then "env page: http://HOST:PORT/", the page that plays envs in a browser.`;

function fail(message: string): never {
  console.error(`env-server: ${message}\n\n${HELP}`);
  process.exit(2);
}

function parsePort(text: string, from: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535) fail(`${from} must be an integer in 0..65535, got '${text}'`);
  return port;
}

let values: {
  host?: string;
  port?: string;
  plugin?: string[];
  help?: boolean;
  token?: string;
  'allow-origin'?: string[];
  'vector-workers'?: string;
  'drain-grace'?: string;
  'tls-cert'?: string;
  'tls-key'?: string;
} & Record<string, string | string[] | boolean | undefined>;
try {
  ({ values } = parseArgs({
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      plugin: { type: 'string', multiple: true },
      help: { type: 'boolean', short: 'h' },
      token: { type: 'string' },
      'allow-origin': { type: 'string', multiple: true },
      'vector-workers': { type: 'string' },
      'drain-grace': { type: 'string' },
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
      ...Object.fromEntries(LIMIT_FLAGS.map((f) => [f.flag, { type: 'string' as const }])),
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

const host = values.host ?? process.env.GYMWIRE_HOST ?? DEFAULT_HOST;
const port =
  values.port !== undefined
    ? parsePort(values.port, '--port')
    : process.env.GYMWIRE_PORT !== undefined && process.env.GYMWIRE_PORT !== ''
      ? parsePort(process.env.GYMWIRE_PORT, 'GYMWIRE_PORT')
      : DEFAULT_PORT;

// npm runs scripts from the package root; INIT_CWD is where the user typed the command.
const userCwd = process.env.INIT_CWD ?? process.cwd();
const fromEnv = (name: string) => (process.env[name] !== undefined && process.env[name] !== '' ? process.env[name] : undefined);

const limits: Partial<ServerOptions> = {};
for (const f of LIMIT_FLAGS) {
  const flagValue = values[f.flag] as string | undefined;
  const text = flagValue ?? fromEnv(f.env);
  if (text === undefined) continue;
  try {
    limits[f.key] = parseLimit(f, text, flagValue !== undefined ? `--${f.flag}` : f.env);
  } catch (e) {
    fail((e as Error).message);
  }
}

const token = values.token ?? fromEnv('GYMWIRE_TOKEN') ?? null;
if (token !== null) {
  try {
    checkTokenFormat(token);
  } catch (e) {
    fail((e as Error).message);
  }
}

const originsEnv = fromEnv('GYMWIRE_ALLOW_ORIGIN');
const allowOrigins = values['allow-origin'] ?? (originsEnv !== undefined ? originsEnv.split(',').filter((o) => o.trim() !== '') : []);
try {
  parseAllowedOrigins(allowOrigins);
} catch (e) {
  fail((e as Error).message);
}

const workersText = values['vector-workers'] ?? fromEnv('GYMWIRE_VECTOR_WORKERS');
const vectorWorkers = workersText === undefined ? undefined : Number(workersText);
if (vectorWorkers !== undefined && !(Number.isInteger(vectorWorkers) && vectorWorkers >= 0 && vectorWorkers <= 64)) {
  const source = values['vector-workers'] !== undefined ? '--vector-workers' : 'GYMWIRE_VECTOR_WORKERS';
  fail(`${source} must be an integer in 0..64, got '${workersText}'`);
}

const graceText = values['drain-grace'] ?? fromEnv('GYMWIRE_DRAIN_GRACE');
const drainGrace = graceText === undefined ? DEFAULT_DRAIN_GRACE_S : Number(graceText);
if (!(graceText === undefined || (/^\d+(\.\d+)?$/.test(graceText) && drainGrace <= 3600))) {
  const source = values['drain-grace'] !== undefined ? '--drain-grace' : 'GYMWIRE_DRAIN_GRACE';
  fail(`${source} must be a number of seconds in 0..3600, got '${graceText}'`);
}

const certPath = values['tls-cert'] ?? fromEnv('GYMWIRE_TLS_CERT');
const keyPath = values['tls-key'] ?? fromEnv('GYMWIRE_TLS_KEY');
if ((certPath === undefined) !== (keyPath === undefined)) fail('--tls-cert and --tls-key go together');
let tls: ServerOptions['tls'] = null;
if (certPath !== undefined && keyPath !== undefined) {
  try {
    tls = { cert: readFileSync(resolve(userCwd, certPath)), key: readFileSync(resolve(userCwd, keyPath)) };
  } catch (e) {
    console.error(`env-server: cannot read the TLS certificate or key: ${(e as Error).message}`);
    process.exit(1);
  }
}

const pluginModules: string[] = [];
try {
  for (const p of await loadPlugins(values.plugin ?? [], userCwd)) {
    console.error(`plugin ${p.spec}: registered ${p.envIds.join(', ')}`);
    pluginModules.push(p.path);
  }
} catch (e) {
  console.error(`env-server: ${(e as Error).message}`);
  process.exit(1);
}

try {
  const server = await startServer({
    host,
    port,
    token,
    tls,
    allowOrigins,
    vectorWorkers,
    pluginModules,
    ...limits,
    log: (line) => console.error(line),
  });
  console.log(`gymwire env server listening on ${server.url}`);
  console.log(`env page: ${server.url.replace(/^ws/, 'http')}/`);
  const shutdown = (signal: string) => {
    if (server.draining) {
      console.error(`${signal} again: exiting now`);
      process.exit(1);
    }
    const open = server.connections();
    console.error(
      `${signal}: draining (not ready, refusing new connections); ` +
        `${open} open connection${open === 1 ? '' : 's'} get up to ${drainGrace} s, then close 1001. Signal again to exit now.`,
    );
    server.drain(drainGrace * 1000).then(() => {
      console.error('drained: exiting');
      process.exit(0);
    });
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
} catch (e) {
  console.error(`env-server: cannot listen on ${host}:${port}: ${(e as Error).message}`);
  process.exit(1);
}
