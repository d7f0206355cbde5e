// GET /metrics: the server's state in Prometheus' text format (prom-client), one Registry per
// server (a test process runs many servers). PROTOCOL.md section 8 lists the metrics.
//
// The step path only bumps plain numbers (RequestStats: a counter, a bucket of our own
// histogram); everything else is read from the server's own state when a scrape comes
// (collect callbacks), so metrics cost nothing between scrapes.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Aggregator, MetricObjectWithValues, MetricType, MetricValueWithName } from 'prom-client';
import type { RequestStats } from './request-stats.ts';
import type { MemoryBudget } from './memory-budget.ts';
import type { Session } from './session.ts';
import type { HttpRoute } from './http-routes.ts';
import type { Refusal } from './admission.ts';
import { pathOf } from './health.ts';

const METRICS_PATH = '/metrics';
/** How long one rendering of the metrics page is served for (a Prometheus scrape interval is 10 s or more). */
export const METRICS_CACHE_MS = 1000;

/** Upper bounds (s) of the step-time buckets: a classic-control step is ~10 µs, a 1024-sub-env BipedalWalker step ~100 ms. */
const STEP_BUCKETS = [1e-5, 3e-5, 1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1, 0.3, 1, 3];

/** What the metrics read from the server at each scrape. */
export interface MetricSources {
  /** Sessions of the open connections. */
  sessions(): Iterable<Session>;
  /** Sockets before or in their HTTP upgrade. */
  connecting(): number;
  budget: MemoryBudget;
  draining(): boolean;
}

/**
 * A histogram filled by StepCounts (one array bump per observation) instead of prom-client's
 * observe(), which allocates per call; it reports the counts at each scrape.
 */
class CountedHistogram extends Histogram<string> {
  constructor(
    private readonly metricName: string,
    private readonly helpText: string,
    private readonly counts: { buckets: Float64Array; sum: number; count: number },
    registry: Registry,
  ) {
    super({ name: metricName, help: helpText, buckets: STEP_BUCKETS, registers: [registry] });
  }

  /** What the registry prints (it asks a histogram for this rather than get()). */
  async getForPromString(): Promise<MetricObjectWithValues<MetricValueWithName<string>>> {
    return this.get();
  }

  override async get(): Promise<MetricObjectWithValues<MetricValueWithName<string>>> {
    const { buckets, sum, count } = this.counts;
    const name = this.metricName;
    const values: MetricValueWithName<string>[] = [];
    let cumulative = 0;
    STEP_BUCKETS.forEach((le, i) => {
      cumulative += buckets[i];
      values.push({ metricName: `${name}_bucket`, labels: { le }, value: cumulative });
    });
    values.push({ metricName: `${name}_bucket`, labels: { le: '+Inf' }, value: count });
    values.push({ metricName: `${name}_sum`, labels: {}, value: sum });
    values.push({ metricName: `${name}_count`, labels: {}, value: count });
    // prom-client's types declare `type` a numeric enum; its registry prints the string.
    return {
      name,
      help: this.helpText,
      type: 'histogram' as unknown as MetricType,
      aggregator: 'sum' as Aggregator,
      collect: () => {},
      values,
    };
  }
}

/** A metric's value at a scrape, or its values by label. */
type Labelled = [Record<string, string>, number];
type Read = () => number | Labelled[];

/**
 * A gauge or counter whose value is read from the server at each scrape (prom-client calls
 * collect() then): nothing is counted twice, and nothing is kept up to date between scrapes.
 */
function scraped(registry: Registry, m: { name: string; help: string; read: Read; kind: 'gauge' | 'counter'; labelNames: string[] }): void {
  const { name, help, read, labelNames } = m;
  const registers = [registry];
  // prom-client calls collect() with the metric as `this`; a gauge is set, a counter incremented.
  const write = (metric: Gauge | Counter, labels: Record<string, string> | null, n: number) => {
    if (metric instanceof Gauge) labels ? metric.set(labels, n) : metric.set(n);
    else labels ? metric.inc(labels, n) : metric.inc(n);
  };
  const config = {
    name,
    help,
    labelNames,
    registers,
    collect(this: Gauge | Counter) {
      this.reset();
      const v = read();
      if (typeof v === 'number') write(this, null, v);
      else for (const [labels, n] of v) write(this, labels, n);
    },
  };
  if (m.kind === 'gauge') new Gauge(config);
  else new Counter(config);
}

/** Env handles and instances open, by env id, over every session. */
function envCounts(sessions: Iterable<Session>): Map<string, { handles: number; instances: number }> {
  const m = new Map<string, { handles: number; instances: number }>();
  for (const session of sessions) {
    for (const slot of session.slots()) {
      const e = m.get(slot.envId) ?? { handles: 0, instances: 0 };
      e.handles++;
      e.instances += slot.numEnvs;
      m.set(slot.envId, e);
    }
  }
  return m;
}

export class ServerMetrics implements RequestStats {
  readonly registry = new Registry();
  private steps = 0;
  private envSteps = 0;
  private readonly errors = new Map<string, number>();
  private readonly stepTimes = { buckets: new Float64Array(STEP_BUCKETS.length), sum: 0, count: 0 };

  constructor(
    sources: MetricSources,
    private readonly now: () => number = performance.now.bind(performance),
  ) {
    const at = (name: string, help: string, read: Read, kind: 'gauge' | 'counter' = 'gauge', labelNames: string[] = []) =>
      scraped(this.registry, { name, help, read, kind, labelNames });
    at('gymwire_connections', 'Open WebSocket connections', () => [...sources.sessions()].length);
    at('gymwire_connecting_sockets', 'TCP sockets before or in their HTTP upgrade', () => sources.connecting());
    at('gymwire_draining', '1 while the server drains (SIGTERM): not ready, refusing new connections', () => (sources.draining() ? 1 : 0));
    const byEnv = (part: 'handles' | 'instances') => () =>
      [...envCounts(sources.sessions())].map(([env_id, e]): Labelled => [{ env_id }, e[part]]);
    at('gymwire_envs_open', 'Env handles open (a vector env counts 1), by env id', byEnv('handles'), 'gauge', ['env_id']);
    at('gymwire_env_instances', 'Env instances open (a vector env counts its num_envs), by env id', byEnv('instances'), 'gauge', [
      'env_id',
    ]);
    at('gymwire_steps_total', 'Step requests answered (a vector step counts 1)', () => this.steps, 'counter');
    at('gymwire_env_steps_total', 'Env steps made (a vector step counts its num_envs)', () => this.envSteps, 'counter');
    const errors = () => [...this.errors].map(([code, n]): Labelled => [{ code }, n]);
    at('gymwire_errors_total', 'Error answers, by error code (PROTOCOL.md section 6)', errors, 'counter', ['code']);
    new CountedHistogram(
      'gymwire_step_duration_seconds',
      'Time from running a step request to its answer (a vector step: over all its parts and turns)',
      this.stepTimes,
      this.registry,
    );
    const { budget } = sources;
    at('gymwire_memory_budget_bytes', 'The memory budget (--memory-budget)', () => budget.total);
    const parts = (): Labelled[] => [
      [{ part: 'envs' }, budget.envBytes],
      [{ part: 'unsent_answers' }, budget.output],
      [{ part: 'unanswered_requests' }, budget.input],
    ];
    at('gymwire_memory_used_bytes', 'What clients make the server hold, counted against the budget, by part', parts, 'gauge', ['part']);
    at('process_resident_memory_bytes', 'Resident memory size in bytes', () => process.memoryUsage.rss());
    const cpu = () => {
      const { user, system } = process.cpuUsage();
      return (user + system) / 1e6;
    };
    at('process_cpu_seconds_total', 'User and system CPU time spent, in seconds', cpu, 'counter');
  }

  stepAnswered(seconds: number, envSteps: number): void {
    this.steps++;
    this.envSteps += envSteps;
    const t = this.stepTimes;
    t.sum += seconds;
    t.count++;
    let i = 0;
    while (i < STEP_BUCKETS.length && seconds > STEP_BUCKETS[i]) i++;
    if (i < STEP_BUCKETS.length) t.buckets[i]++;
  }

  errorAnswered(code: string): void {
    this.errors.set(code, (this.errors.get(code) ?? 0) + 1);
  }

  /**
   * GET /metrics (HEAD too), for the requests `refusal` lets through (server/admission.ts:
   * the Host check, and the token when the server has one). The page is rendered at most once
   * per METRICS_CACHE_MS, however often it is asked for.
   */
  route(refusal: (req: IncomingMessage) => Refusal | null): HttpRoute {
    return (req: IncomingMessage, res: ServerResponse) => {
      if (pathOf(req) !== METRICS_PATH || (req.method !== 'GET' && req.method !== 'HEAD')) return false;
      const refused = refusal(req);
      if (refused !== null) {
        res.writeHead(refused.status, { 'Content-Type': 'text/plain', ...refused.headers });
        res.end(`${refused.message}\n`);
        return true;
      }
      this.page().then(
        (text) => {
          res.writeHead(200, { 'Content-Type': this.registry.contentType, 'Cache-Control': 'no-store' });
          res.end(req.method === 'HEAD' ? undefined : text);
        },
        (e: unknown) => {
          res.writeHead(500, { 'Content-Type': 'text/plain' });
          res.end(`metrics failed: ${(e as Error)?.message}\n`);
        },
      );
      return true;
    };
  }

  private cached: { text: Promise<string>; at: number } | null = null;

  /** The metrics page: rendered again once the last rendering is METRICS_CACHE_MS old. */
  private page(): Promise<string> {
    const t = this.now();
    if (this.cached === null || t - this.cached.at >= METRICS_CACHE_MS) {
      const text = this.registry.metrics();
      const entry = { text, at: t };
      this.cached = entry;
      // A failed rendering is not kept.
      text.catch(() => {
        if (this.cached === entry) this.cached = null;
      });
    }
    return this.cached.text;
  }
}
