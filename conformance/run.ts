// Runs the conformance checks against a server: picks the env, runs each check on fresh
// connections, and reports pass / fail (with the reason) / skip (with the reason) per check.
import type { EnvInfo, HelloResult } from '../protocol/schema/messages.ts';
import { CHECKS, CHECKED_VERSION, expectResult, type Check, type Context } from './checks.ts';
import { CheckFailure, WireClient } from './wire.ts';

export type Outcome = 'pass' | 'fail' | 'skip';

export interface CheckResult {
  name: string;
  outcome: Outcome;
  /** Why it failed or was skipped. */
  reason?: string;
  ms: number;
}

export interface ConformanceOptions {
  url: string;
  /** Env id for the env-level checks (default: the first one list_envs reports). */
  env?: string;
  /** How long to wait for any one answer (default 10 s). */
  timeoutMs?: number;
  /** Only the checks whose name contains this text. */
  only?: string;
  /** Called with each result as soon as it is known. */
  onResult?: (r: CheckResult) => void;
}

export interface ConformanceReport {
  url: string;
  env: string | null;
  results: CheckResult[];
  passed: number;
  failed: number;
  skipped: number;
}

async function hello(c: WireClient): Promise<HelloResult> {
  return expectResult(
    'hello',
    await c.call('hello', { protocol_version: CHECKED_VERSION, client_name: 'gymwire-conformance', client_version: CHECKED_VERSION }),
  );
}

export async function runConformance(opts: ConformanceOptions): Promise<ConformanceReport> {
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const results: CheckResult[] = [];
  const record = (r: CheckResult) => {
    results.push(r);
    opts.onResult?.(r);
  };
  const report = (env: string | null): ConformanceReport => ({
    url: opts.url,
    env,
    results,
    passed: results.filter((r) => r.outcome === 'pass').length,
    failed: results.filter((r) => r.outcome === 'fail').length,
    skipped: results.filter((r) => r.outcome === 'skip').length,
  });

  // Setup is a check of its own: nothing else can run if it fails.
  const t0 = Date.now();
  let helloResult: HelloResult;
  let env: EnvInfo;
  try {
    const c = await WireClient.open(opts.url, timeoutMs);
    try {
      helloResult = await hello(c);
      const { envs } = expectResult('list_envs', await c.call('list_envs')) as { envs: EnvInfo[] };
      const found = opts.env === undefined ? envs[0] : envs.find((e) => e.id === opts.env);
      if (!found)
        throw new CheckFailure(
          opts.env === undefined ? 'list_envs is empty' : `env ${opts.env} is not in list_envs (${envs.map((e) => e.id).join(', ')})`,
        );
      env = found;
    } finally {
      await c.close();
    }
  } catch (e) {
    record({ name: 'setup: connect, hello, list_envs', outcome: 'fail', reason: (e as Error).message, ms: Date.now() - t0 });
    return report(opts.env ?? null);
  }
  record({
    name:
      `setup: connect, hello, list_envs (server ${helloResult.server_name} ${helloResult.server_version}, ` +
      `protocol ${helloResult.protocol_version}; env ${env.id})`,
    outcome: 'pass',
    ms: Date.now() - t0,
  });

  const checks: Check[] = opts.only ? CHECKS.filter((c) => c.name.includes(opts.only!)) : CHECKS;
  for (const check of checks) {
    const opened: WireClient[] = [];
    const ctx: Context = {
      url: opts.url,
      timeoutMs,
      env,
      hello: helloResult,
      raw: async () => {
        const c = await WireClient.open(opts.url, timeoutMs);
        opened.push(c);
        return c;
      },
      connect: async () => {
        const c = await ctx.raw();
        await hello(c);
        return c;
      },
    };
    const started = Date.now();
    let result: CheckResult;
    try {
      const r = await check.run(ctx);
      result = r
        ? { name: check.name, outcome: 'skip', reason: r.skip, ms: Date.now() - started }
        : { name: check.name, outcome: 'pass', ms: Date.now() - started };
    } catch (e) {
      const reason = e instanceof CheckFailure ? e.message : `unexpected ${(e as Error)?.stack ?? String(e)}`;
      result = { name: check.name, outcome: 'fail', reason, ms: Date.now() - started };
    }
    await Promise.all(opened.map((c) => c.close()));
    record(result);
  }
  return report(env.id);
}

/** One line per result, as the CLI prints them. */
export function formatResult(r: CheckResult): string {
  const tag = r.outcome === 'pass' ? 'PASS' : r.outcome === 'fail' ? 'FAIL' : 'SKIP';
  return `${tag}  ${r.name}${r.reason ? ` -- ${r.reason}` : ''}`;
}
