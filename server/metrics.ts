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
import { pathOf } from './health.ts';

const METRICS_PATH = '/metrics';

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

export class ServerMetrics implements RequestStats {
  readonly registry = new Registry();
  private steps = 0;
  private envSteps = 0;
  private readonly errors = new Map<string, number>();
  private readonly stepTimes = { buckets: new Float64Array(STEP_BUCKETS.length), sum: 0, count: 0 };

  constructor(sources: MetricSources) {
    const registers = [this.registry];
    // prom-client calls collect() with the metric as `this`: the counts are read through these.
    const steps = () => this.steps;
    const envSteps = () => this.envSteps;
    const errors = this.errors;
    new Gauge({
      name: 'gymwire_connections',
      help: 'Open WebSocket connections',
      registers,
      collect() {
        let n = 0;
        for (const _ of sources.sessions()) n++;
        this.set(n);
      },
    });
    new Gauge({
      name: 'gymwire_connecting_sockets',
      help: 'TCP sockets before or in their HTTP upgrade',
      registers,
      collect() {
        this.set(sources.connecting());
      },
    });
    new Gauge({
      name: 'gymwire_draining',
      help: '1 while the server drains (SIGTERM): not ready, refusing new connections',
      registers,
      collect() {
        this.set(sources.draining() ? 1 : 0);
      },
    });
    const byEnv = () => {
      const m = new Map<string, { handles: number; instances: number }>();
      for (const session of sources.sessions()) {
        for (const slot of session.slots()) {
          const e = m.get(slot.envId) ?? { handles: 0, instances: 0 };
          e.handles++;
          e.instances += slot.numEnvs;
          m.set(slot.envId, e);
        }
      }
      return m;
    };
    new Gauge({
      name: 'gymwire_envs_open',
      help: 'Env handles open (a vector env counts 1), by env id',
      labelNames: ['env_id'],
      registers,
      collect() {
        this.reset();
        for (const [envId, e] of byEnv()) this.set({ env_id: envId }, e.handles);
      },
    });
    new Gauge({
      name: 'gymwire_env_instances',
      help: 'Env instances open (a vector env counts its num_envs), by env id',
      labelNames: ['env_id'],
      registers,
      collect() {
        this.reset();
        for (const [envId, e] of byEnv()) this.set({ env_id: envId }, e.instances);
      },
    });
    new Counter({
      name: 'gymwire_steps_total',
      help: 'Step requests answered (a vector step counts 1)',
      registers,
      collect() {
        this.reset();
        this.inc(steps());
      },
    });
    new Counter({
      name: 'gymwire_env_steps_total',
      help: 'Env steps made (a vector step counts its num_envs)',
      registers,
      collect() {
        this.reset();
        this.inc(envSteps());
      },
    });
    new Counter({
      name: 'gymwire_errors_total',
      help: 'Error answers, by error code (PROTOCOL.md section 6)',
      labelNames: ['code'],
      registers,
      collect() {
        this.reset();
        for (const [code, n] of errors) this.inc({ code }, n);
      },
    });
    new CountedHistogram(
      'gymwire_step_duration_seconds',
      'Time from running a step request to its answer (a vector step: over all its parts and turns)',
      this.stepTimes,
      this.registry,
    );
    const budget = sources.budget;
    new Gauge({
      name: 'gymwire_memory_budget_bytes',
      help: 'The memory budget (--memory-budget)',
      registers,
      collect() {
        this.set(budget.total);
      },
    });
    new Gauge({
      name: 'gymwire_memory_used_bytes',
      help: 'What clients make the server hold, counted against the budget, by part',
      labelNames: ['part'],
      registers,
      collect() {
        this.set({ part: 'envs' }, budget.envBytes);
        this.set({ part: 'unsent_answers' }, budget.output);
        this.set({ part: 'unanswered_requests' }, budget.input);
      },
    });
    new Gauge({
      name: 'process_resident_memory_bytes',
      help: 'Resident memory size in bytes',
      registers,
      collect() {
        this.set(process.memoryUsage.rss());
      },
    });
    new Counter({
      name: 'process_cpu_seconds_total',
      help: 'User and system CPU time spent, in seconds',
      registers,
      collect() {
        const u = process.cpuUsage();
        this.reset();
        this.inc((u.user + u.system) / 1e6);
      },
    });
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

  /** GET /metrics (HEAD too); no token needed (PROTOCOL.md section 8). */
  route(): HttpRoute {
    return (req: IncomingMessage, res: ServerResponse) => {
      if (pathOf(req) !== METRICS_PATH || (req.method !== 'GET' && req.method !== 'HEAD')) return false;
      this.registry.metrics().then(
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
}
