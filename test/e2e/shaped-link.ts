// A shaped network link for tests, made with iproute2 as root: a network namespace joined to
// this one by a veth pair, each end limited to RATE by tbf and, where the kernel has netem,
// delayed by half the round trip (netem delay). Where netem is missing (some VM kernels ship
// without sch_netem), the delay is added by a relay in the namespace instead
// (shaped-link-client.ts): each chunk is forwarded DELAY later, in order, both ways.
// Names carry this process's pid; leftovers of processes that are gone are removed first.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const PREFIX = 'gymwire-link-';
export const RATE = '20mbit';
export const ROUND_TRIP_MS = 50;

export interface ShapedLink {
  ns: string;
  hostAddress: string;
  nsAddress: string;
  /** How the delay is made: by the kernel (netem), or by the client's relay (ms each way). */
  relayDelayMs: number;
  remove(): void;
}

function run(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { encoding: 'utf8', timeout: 10_000, stdio: ['ignore', 'pipe', 'pipe'] });
}

function tryRun(cmd: string, args: string[]): string | null {
  try {
    run(cmd, args);
    return null;
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    return (err.stderr || err.message).trim();
  }
}

const which = (name: string) => ['/usr/sbin', '/sbin', '/usr/bin', '/bin'].map((d) => `${d}/${name}`).find((p) => existsSync(p));

/** Why a shaped link cannot be made here, or null when it can (checked by making and removing one namespace). */
export function shapedLinkMissing(): string | null {
  if (process.platform !== 'linux') return 'a shaped link needs Linux network namespaces';
  if (process.getuid?.() !== 0) return 'a shaped link needs root (ip netns add, tc)';
  if (!which('ip') || !which('tc')) return 'a shaped link needs iproute2 (ip, tc): apt-get install iproute2';
  const probe = `${PREFIX}probe-${process.pid}`;
  const failed = tryRun('ip', ['netns', 'add', probe]);
  if (failed !== null) return `cannot create a network namespace: ${failed}`;
  tryRun('ip', ['netns', 'del', probe]);
  return null;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Namespaces and veths of earlier runs whose process is gone (a crash, a kill -9). */
export function removeLeftovers(): void {
  for (const line of run('ip', ['netns', 'list']).split('\n')) {
    const name = line.split(' ')[0];
    const pid = Number(/^gymwire-link-(?:probe-)?(\d+)$/.exec(name)?.[1]);
    if (pid && !alive(pid)) tryRun('ip', ['netns', 'del', name]);
  }
  for (const m of run('ip', ['-o', 'link', 'show']).matchAll(/^\d+: (gwl(\d+)a)[@:]/gm)) {
    if (!alive(Number(m[2]))) tryRun('ip', ['link', 'del', m[1]]);
  }
}

/** tbf at RATE on `dev` (in `ns` when given), under a netem delay when the kernel has netem; returns whether it did the delay. */
function shape(dev: string, ns: string | null): boolean {
  const tc = (args: string[]) => (ns === null ? tryRun('tc', args) : tryRun('ip', ['netns', 'exec', ns, 'tc', ...args]));
  const tbf = ['tbf', 'rate', RATE, 'burst', '64kb', 'latency', '400ms'];
  const netem = tc(['qdisc', 'add', 'dev', dev, 'root', 'handle', '1:', 'netem', 'delay', `${ROUND_TRIP_MS / 2}ms`]);
  if (netem === null) {
    const failed = tc(['qdisc', 'add', 'dev', dev, 'parent', '1:1', 'handle', '10:', ...tbf]);
    if (failed !== null) throw new Error(`tc tbf under netem on ${dev}: ${failed}`);
    return true;
  }
  const failed = tc(['qdisc', 'add', 'dev', dev, 'root', ...tbf]);
  if (failed !== null) throw new Error(`tc tbf on ${dev}: ${failed}`);
  return false;
}

/** Makes the namespace and the shaped veth pair; remove() undoes everything (also after a partial failure). */
export function createShapedLink(): ShapedLink {
  const pid = process.pid;
  const ns = `${PREFIX}${pid}`;
  const [a, b] = [`gwl${pid}a`, `gwl${pid}b`];
  // A /30 of 10.233.0.0/16 from the pid: concurrent runs on one machine get different ones.
  const base = (pid % 16384) * 4;
  const addr = (k: number) => `10.233.${(base >> 8) & 255}.${(base & 255) + k}`;
  const remove = () => {
    tryRun('ip', ['link', 'del', a]);
    tryRun('ip', ['netns', 'del', ns]);
  };
  try {
    run('ip', ['netns', 'add', ns]);
    run('ip', ['link', 'add', a, 'type', 'veth', 'peer', 'name', b]);
    run('ip', ['link', 'set', b, 'netns', ns]);
    run('ip', ['addr', 'add', `${addr(1)}/30`, 'dev', a]);
    run('ip', ['link', 'set', a, 'up']);
    run('ip', ['-n', ns, 'addr', 'add', `${addr(2)}/30`, 'dev', b]);
    run('ip', ['-n', ns, 'link', 'set', b, 'up']);
    run('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    const hostDelayed = shape(a, null);
    const kernelDelay = shape(b, ns) && hostDelayed;
    return { ns, hostAddress: addr(1), nsAddress: addr(2), relayDelayMs: kernelDelay ? 0 : ROUND_TRIP_MS / 2, remove };
  } catch (e) {
    remove();
    throw e;
  }
}
