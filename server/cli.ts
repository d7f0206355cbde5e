// npm run env-server [-- --host H --port P --plugin M]: serves every registered env over WebSocket.
import { parseArgs } from 'node:util';
import { startServer } from './server.ts';
import { loadPlugins } from './plugins.ts';
import { DEFAULT_HOST, DEFAULT_PORT } from './options.ts';

const HELP = `Usage: npm run env-server -- [--host HOST] [--port PORT] [--plugin MODULE]...

Serves the gymwire environments over WebSocket (protocol/PROTOCOL.md).

Options:
  --host HOST      interface to listen on (env GYMWIRE_HOST, default ${DEFAULT_HOST})
  --port PORT      TCP port, 0 for any free one (env GYMWIRE_PORT, default ${DEFAULT_PORT})
  --plugin MODULE  load an ES module (.ts/.js, path relative to the current directory)
                   that registers more envs; repeatable (see examples/README.md)
  -h, --help       show this help

Prints "gymwire env server listening on ws://HOST:PORT" once it accepts connections.`;

function fail(message: string): never {
  console.error(`env-server: ${message}\n\n${HELP}`);
  process.exit(2);
}

function parsePort(text: string, from: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535) fail(`${from} must be an integer in 0..65535, got '${text}'`);
  return port;
}

let values: { host?: string; port?: string; plugin?: string[]; help?: boolean };
try {
  ({ values } = parseArgs({
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      plugin: { type: 'string', multiple: true },
      help: { type: 'boolean', short: 'h' },
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

try {
  // npm runs scripts from the package root; INIT_CWD is where the user typed the command.
  for (const p of await loadPlugins(values.plugin ?? [], process.env.INIT_CWD ?? process.cwd())) {
    console.error(`plugin ${p.spec}: registered ${p.envIds.join(', ')}`);
  }
} catch (e) {
  console.error(`env-server: ${(e as Error).message}`);
  process.exit(1);
}

try {
  const server = await startServer({ host, port, log: (line) => console.error(line) });
  console.log(`gymwire env server listening on ${server.url}`);
  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    console.error(`${signal}: closing`);
    server.close().then(() => process.exit(0));
  };
  process.on('SIGINT', () => shutdown('SIGINT'));
  process.on('SIGTERM', () => shutdown('SIGTERM'));
} catch (e) {
  console.error(`env-server: cannot listen on ${host}:${port}: ${(e as Error).message}`);
  process.exit(1);
}
