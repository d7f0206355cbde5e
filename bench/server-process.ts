// Env servers in child processes: spawn one and resolve with the URL it prints
// ("listening on ws://..."), which our server and the Python one both do.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  /** SIGTERM, resolved when the process has exited. */
  stop(): Promise<void>;
}

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Spawns `command args` and waits until it prints the URL it listens on; a process that exits first rejects. */
export function spawnServer(
  command: string,
  args: string[],
  {
    name = 'env server',
    env,
    timeoutMs = 30_000,
    cwd = ROOT,
  }: { name?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number; cwd?: string } = {},
): Promise<ServerProcess> {
  const child = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`${name} did not print its URL within ${timeoutMs} ms; output: ${seen}`));
    }, timeoutMs);
    const onData = (d: Buffer) => {
      seen += d.toString();
      const m = /listening on (wss?:\/\/\S+)/.exec(seen);
      if (!m) return;
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      child.stdout!.resume(); // keep draining, so a chatty server never blocks on a full pipe
      resolve({
        url: m[1],
        child,
        stop: () =>
          new Promise<void>((res) => {
            if (child.exitCode !== null || child.signalCode !== null) return res();
            child.once('exit', () => res());
            child.kill('SIGTERM');
          }),
      });
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (d: Buffer) => (seen += d.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited (${code}) before listening; output: ${seen}`));
    });
  });
}

/** Our env server (`server/cli.ts --port 0`, then `args`) in a child process. */
export function startServerProcess(args: string[] = [], timeoutMs = 30_000): Promise<ServerProcess> {
  return spawnServer(process.execPath, ['--import', 'tsx', 'server/cli.ts', '--port', '0', ...args], { timeoutMs });
}
