#!/usr/bin/env node
// The `gymwire` command of the installed package: `gymwire COMMAND [ARGS]` runs one of the
// existing command-line programs (the ones `npm run env-server`, `npm run train`... run in a
// clone) as if it were the main script, with ARGS as its arguments. Each program keeps its
// own flags, help text and exit codes.
import { fileURLToPath, pathToFileURL } from 'node:url';

interface Command {
  /** The program's module, relative to this file's folder's parent. */
  module: string;
  /** What `npm run ...` its help text's usage line names. */
  script: string;
  summary: string;
}

const COMMANDS: Record<string, Command> = {
  serve: { module: 'server/cli', script: 'npm run env-server --', summary: 'serve the environments over WebSocket' },
  train: { module: 'agents/train', script: 'npm run train --', summary: 'train a DDPG or TD3 agent, in-process or against env servers' },
  evaluate: {
    module: 'agents/evaluate',
    script: 'npm run evaluate --',
    summary: "evaluate a trained actor (deterministic) and print its returns' mean ± std",
  },
  rollout: { module: 'agents/rollout', script: 'npm run rollout --', summary: 'record one episode as an animated GIF' },
  conformance: {
    module: 'conformance/cli',
    script: 'npm run conformance --',
    summary: 'check a gymwire server (in any language) against the protocol',
  },
};

const HELP = `Usage: gymwire COMMAND [ARGS]

Gymnasium-compatible environments served over WebSocket, and agents that train against them.

Commands:
${Object.entries(COMMANDS)
  .map(([name, c]) => `  ${name.padEnd(13)}${c.summary}`)
  .join('\n')}

  gymwire COMMAND --help   that command's flags
  gymwire --version        the package's version`;

// From dist/ the programs are compiled JavaScript; from the sources (tsx bin/gymwire.ts), TypeScript.
const EXTENSION = import.meta.url.endsWith('.ts') ? '.ts' : '.js';

async function run(argv: readonly string[]): Promise<void> {
  const [name, ...args] = argv;
  if (name === undefined) {
    console.error(HELP);
    process.exitCode = 2;
    return;
  }
  if (name === '--help' || name === '-h' || name === 'help') {
    console.log(HELP);
    return;
  }
  if (name === '--version' || name === '-v') {
    console.log((await import('../server/options.ts')).SERVER_VERSION);
    return;
  }
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  if (!command) {
    console.error(`gymwire: unknown command '${name}' (commands: ${Object.keys(COMMANDS).join(', ')}; gymwire --help)`);
    process.exitCode = 2;
    return;
  }
  if (args.includes('--help') || args.includes('-h')) {
    console.log(`gymwire ${name} [ARGS]: in the usage below, read \`gymwire ${name}\` for \`${command.script}\`.\n`);
  }
  // Installed, the command runs where the user runs it: the programs take relative paths
  // (--plugin, --gif) from INIT_CWD, which `npm run` in a clone sets to where the user typed
  // it, so an INIT_CWD left in the environment by some enclosing npm script must not apply.
  if (EXTENSION === '.js') process.env.INIT_CWD = process.cwd();
  // The programs read process.argv.slice(2) and run when their module is the main script.
  const file = fileURLToPath(new URL(`../${command.module}${EXTENSION}`, import.meta.url));
  process.argv = [process.argv[0]!, file, ...args];
  await import(pathToFileURL(file).href);
}

await run(process.argv.slice(2));
