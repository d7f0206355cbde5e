// Kubernetes manifests for an env farm and a trainer, built as TypeScript objects typed by
// kubernetes-types: a misspelt field, a value of the wrong type or a missing apiVersion/kind
// fails `npm run typecheck`. `npm run k8s` (k8s/generate.ts) writes them to k8s/*.yaml.
//
//   farm.yaml     headless Service + Deployment of env servers (`gymwire serve`)
//   trainer.yaml  PersistentVolumeClaim for the run's output + Job (`gymwire train`)
//
// The farm's pods are found through the headless Service's DNS name, which answers with the
// address of every *ready* pod (client/discovery.ts): readiness (/readyz) is what takes a
// draining or starting server out of the trainer's set, liveness (/healthz) what restarts a
// stuck one. Both are HTTP GETs on the WebSocket port. The token comes from a Secret the
// user creates (kubectl create secret generic NAME --from-literal=token=...), never from
// these files.
import type { Deployment } from 'kubernetes-types/apps/v1.js';
import type { Job } from 'kubernetes-types/batch/v1.js';
import type {
  Container,
  EnvVar,
  PersistentVolumeClaim,
  PodSecurityContext,
  Probe,
  SecurityContext,
  Service,
} from 'kubernetes-types/core/v1.js';
import { stringify } from 'yaml';
import { DEFAULT_DRAIN_GRACE_S, DEFAULT_PORT } from '../server/options.ts';

/**
 * How the server is told its memory budget (the server's LIMIT_FLAGS entry for memoryBudget;
 * a size in bytes that may end in MiB). The one place to change if the setting is renamed.
 */
export const BUDGET_SETTING = { flag: '--memory-budget', env: 'GYMWIRE_MEMORY_BUDGET', value: (mib: number) => `${mib}MiB` } as const;

/** The env var the server and the trainer read the token from (server/cli.ts, client/connection.ts). */
export const TOKEN_ENV = 'GYMWIRE_TOKEN';
/** The probes' paths, as the server answers them. */
export { HEALTH_PATH, READY_PATH } from '../server/health.ts';
import { HEALTH_PATH, READY_PATH } from '../server/health.ts';
const PORT_NAME = 'gymwire';
/** UID and GID of the image's non-root user (Dockerfile); numeric, so runAsNonRoot can be checked. */
export const RUN_AS = 1000;
/** The drain env var (server/cli.ts --drain-grace). */
export const DRAIN_ENV = 'GYMWIRE_DRAIN_GRACE';
/**
 * Time past the drain grace before Kubernetes kills a server: the close handshake (up to 2 s,
 * server/drain.ts) and the process's exit.
 */
const DRAIN_MARGIN_SECONDS = 5;

export interface FarmParams {
  /** Prefix of every object's name: NAME-envs (Service, Deployment), NAME-train (Job), NAME-runs (claim). */
  name: string;
  /** The gymwire image (Dockerfile), entrypoint the `gymwire` bin. */
  image: string;
  /** Env server pods. */
  replicas: number;
  /** Each server's memory budget in MiB (BUDGET_SETTING). */
  budgetMib: number;
  /**
   * Memory a server needs besides its budget (Node itself, code, GC headroom), in MiB; the
   * pod's memory request and limit are budget + overhead. An idle server measured 134 MiB
   * RSS here (under tsx).
   */
  overheadMib: number;
  /** CPU each server requests (one event loop: about one core when busy). */
  cpu: string;
  /** Secret holding the token, and its key. */
  tokenSecret: string;
  tokenKey: string;
  /**
   * Seconds a server keeps its open connections after SIGTERM (GYMWIRE_DRAIN_GRACE); the pod's
   * terminationGracePeriodSeconds is this plus DRAIN_MARGIN_SECONDS, so SIGKILL never cuts a drain.
   */
  graceSeconds: number;
  /** The cluster's DNS domain (the trainer resolves NAME-envs.NAMESPACE.svc.DOMAIN). */
  clusterDomain: string;
  /** The trainer's env id, sub-envs (spread over the servers) and steps. */
  trainEnv: string;
  numEnvs: number;
  steps: number;
  /** Size of the claim the trainer writes its run to. */
  runsStorage: string;
}

export const FARM_DEFAULTS: Readonly<FarmParams> = {
  name: 'gymwire',
  image: 'gymwire:0.1.0',
  replicas: 3,
  budgetMib: 512,
  overheadMib: 256,
  cpu: '1',
  tokenSecret: 'gymwire-token',
  tokenKey: 'token',
  graceSeconds: DEFAULT_DRAIN_GRACE_S,
  clusterDomain: 'cluster.local',
  trainEnv: 'Pendulum-v1',
  numEnvs: 12,
  steps: 20000,
  runsStorage: '1Gi',
};

/** A manifest: the kubernetes-types object with apiVersion, kind and metadata required. */
type Manifest<T extends { apiVersion?: string; kind?: string; metadata?: unknown }> = T &
  Required<Pick<T, 'apiVersion' | 'kind' | 'metadata'>>;

const names = (p: Pick<FarmParams, 'name'>) => ({
  farm: `${p.name}-envs`,
  trainer: `${p.name}-train`,
  runs: `${p.name}-runs`,
});

const labels = (p: FarmParams, component: 'env-server' | 'trainer') => ({
  'app.kubernetes.io/name': 'gymwire',
  'app.kubernetes.io/instance': p.name,
  'app.kubernetes.io/component': component,
});

const tokenEnv = (p: FarmParams): EnvVar => ({
  name: TOKEN_ENV,
  valueFrom: { secretKeyRef: { name: p.tokenSecret, key: p.tokenKey } },
});

// Nothing in a gymwire process writes outside its output folder (and /tmp, mounted below).
const podSecurity: PodSecurityContext = {
  runAsNonRoot: true,
  runAsUser: RUN_AS,
  runAsGroup: RUN_AS,
  fsGroup: RUN_AS,
  seccompProfile: { type: 'RuntimeDefault' },
};
const containerSecurity: SecurityContext = {
  allowPrivilegeEscalation: false,
  readOnlyRootFilesystem: true,
  capabilities: { drop: ['ALL'] },
};

const httpProbe = (path: string, periodSeconds: number, failureThreshold: number): Probe => ({
  httpGet: { path, port: PORT_NAME },
  periodSeconds,
  timeoutSeconds: 2,
  failureThreshold,
});

/** The farm's Service: headless, so its DNS name resolves to every ready pod, not one virtual IP. */
export function farmService(p: FarmParams): Manifest<Service> {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: names(p).farm, labels: labels(p, 'env-server') },
    spec: {
      clusterIP: 'None',
      // Only ready pods are listed: a draining server leaves the answer before it goes.
      publishNotReadyAddresses: false,
      selector: labels(p, 'env-server'),
      ports: [{ name: PORT_NAME, port: DEFAULT_PORT, targetPort: PORT_NAME, protocol: 'TCP' }],
    },
  };
}

function serverContainer(p: FarmParams): Container {
  const memory = `${p.budgetMib + p.overheadMib}Mi`;
  return {
    name: 'env-server',
    image: p.image,
    args: ['serve', '--host', '0.0.0.0', '--port', String(DEFAULT_PORT)],
    ports: [{ name: PORT_NAME, containerPort: DEFAULT_PORT, protocol: 'TCP' }],
    env: [
      tokenEnv(p),
      { name: BUDGET_SETTING.env, value: BUDGET_SETTING.value(p.budgetMib) },
      { name: DRAIN_ENV, value: String(p.graceSeconds) },
      // V8 would size its heap from the whole limit; keep half the overhead for the rest of
      // the process, so a full heap is a GC, not an OOM kill.
      { name: 'NODE_OPTIONS', value: `--max-old-space-size=${p.budgetMib + Math.floor(p.overheadMib / 2)}` },
    ],
    // Memory request = limit: the budget is what the server may hold, so the pod asks for it
    // whole. No CPU limit: throttling a single event loop only adds latency.
    resources: { requests: { cpu: p.cpu, memory }, limits: { memory } },
    livenessProbe: httpProbe(HEALTH_PATH, 10, 3),
    readinessProbe: httpProbe(READY_PATH, 5, 1),
    securityContext: containerSecurity,
    volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
  };
}

/** The env servers. */
function farmDeployment(p: FarmParams): Manifest<Deployment> {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: names(p).farm, labels: labels(p, 'env-server') },
    spec: {
      replicas: p.replicas,
      selector: { matchLabels: labels(p, 'env-server') },
      // A new pod is ready before an old one drains: the farm keeps its size through a rollout.
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      template: {
        metadata: { labels: labels(p, 'env-server') },
        spec: {
          terminationGracePeriodSeconds: p.graceSeconds + DRAIN_MARGIN_SECONDS,
          securityContext: podSecurity,
          containers: [serverContainer(p)],
          volumes: [{ name: 'tmp', emptyDir: {} }],
        },
      },
    },
  };
}

/** The farm's URL as the trainer's pod sees it ($(POD_NAMESPACE) is expanded by Kubernetes). */
function farmUrl(p: FarmParams): string {
  return `dns+ws://${names(p).farm}.$(POD_NAMESPACE).svc.${p.clusterDomain}:${DEFAULT_PORT}`;
}

function runsClaim(p: FarmParams): Manifest<PersistentVolumeClaim> {
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: { name: names(p).runs, labels: labels(p, 'trainer') },
    spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: p.runsStorage } } },
  };
}

/** DDPG training against the farm: sub-envs spread over every server the farm's name resolves to. */
function trainerJob(p: FarmParams): Manifest<Job> {
  const runDir = `/runs/${p.trainEnv}-${p.name}`;
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: names(p).trainer, labels: labels(p, 'trainer') },
    spec: {
      // A failed run is looked at, not restarted over its own output.
      backoffLimit: 0,
      template: {
        metadata: { labels: labels(p, 'trainer') },
        spec: {
          restartPolicy: 'Never',
          securityContext: podSecurity,
          containers: [
            {
              name: 'trainer',
              image: p.image,
              args: [
                'train',
                '--env',
                p.trainEnv,
                '--url',
                farmUrl(p),
                '--num-envs',
                String(p.numEnvs),
                '--steps',
                String(p.steps),
                '--out',
                runDir,
              ],
              env: [{ name: 'POD_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } }, tokenEnv(p)],
              resources: { requests: { cpu: '2', memory: '2Gi' }, limits: { memory: '2Gi' } },
              securityContext: containerSecurity,
              volumeMounts: [
                { name: 'runs', mountPath: '/runs' },
                { name: 'tmp', mountPath: '/tmp' },
              ],
            },
          ],
          volumes: [
            { name: 'runs', persistentVolumeClaim: { claimName: names(p).runs } },
            { name: 'tmp', emptyDir: {} },
          ],
        },
      },
    },
  };
}

/** Every manifest, by the file it goes to. */
export function manifests(p: FarmParams): Record<string, Manifest<{ apiVersion?: string; kind?: string; metadata?: unknown }>[]> {
  return {
    'farm.yaml': [farmService(p), farmDeployment(p)],
    'trainer.yaml': [runsClaim(p), trainerJob(p)],
  };
}

/** What each file starts with: where it comes from, and the flags that made it. */
function header(p: FarmParams, file: string): string {
  const flags = PARAM_FLAGS.filter((f) => p[f.key] !== FARM_DEFAULTS[f.key]).map((f) => ` --${f.flag} ${p[f.key]}`);
  return [
    `# ${file}: generated by \`npm run k8s${flags.length ? ` --${flags.join('')}` : ''}\` from k8s/manifests.ts.`,
    '# Edit that file (or pass flags), not this one: test/k8s.test.ts checks this copy is current.',
    '',
  ].join('\n');
}

/** The YAML text of every file. */
export function renderFiles(p: FarmParams): Record<string, string> {
  return Object.fromEntries(
    Object.entries(manifests(p)).map(([file, docs]) => [
      file,
      header(p, file) + docs.map((d) => '---\n' + stringify(d, { lineWidth: 0 })).join(''),
    ]),
  );
}

type Kind = 'string' | 'int';
interface ParamFlag {
  key: keyof FarmParams;
  flag: string;
  kind: Kind;
  help: string;
  /** What a valid value looks like (strings), or the least value (ints). */
  check: RegExp | number;
}

const DNS_LABEL = /^[a-z]([-a-z0-9]{0,56}[a-z0-9])?$/;
const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const QUANTITY = /^\d+(\.\d+)?(m|Ki|Mi|Gi|Ti|k|M|G|T)?$/;

/** The generator's flags, one per parameter. */
export const PARAM_FLAGS: readonly ParamFlag[] = [
  { key: 'name', flag: 'name', kind: 'string', check: DNS_LABEL, help: "prefix of the objects' names: NAME-envs, NAME-train, NAME-runs" },
  { key: 'image', flag: 'image', kind: 'string', check: /^\S+$/, help: 'the gymwire image (see Dockerfile)' },
  { key: 'replicas', flag: 'replicas', kind: 'int', check: 0, help: 'env server pods' },
  { key: 'budgetMib', flag: 'budget-mib', kind: 'int', check: 1, help: `each server's memory budget in MiB (${BUDGET_SETTING.env})` },
  {
    key: 'overheadMib',
    flag: 'overhead-mib',
    kind: 'int',
    check: 64,
    help: 'memory a server needs besides its budget, in MiB (pod memory = budget + this)',
  },
  { key: 'cpu', flag: 'cpu', kind: 'string', check: QUANTITY, help: 'CPU each server requests' },
  { key: 'tokenSecret', flag: 'token-secret', kind: 'string', check: DNS_SUBDOMAIN, help: `Secret holding the token (${TOKEN_ENV})` },
  { key: 'tokenKey', flag: 'token-key', kind: 'string', check: /^[-._a-zA-Z0-9]{1,253}$/, help: 'key of the token in that Secret' },
  {
    key: 'graceSeconds',
    flag: 'grace-seconds',
    kind: 'int',
    check: 0,
    help: `seconds a server keeps open connections after SIGTERM (${DRAIN_ENV}; the pod gets ${DRAIN_MARGIN_SECONDS} more)`,
  },
  { key: 'clusterDomain', flag: 'cluster-domain', kind: 'string', check: DNS_SUBDOMAIN, help: "the cluster's DNS domain" },
  { key: 'trainEnv', flag: 'train-env', kind: 'string', check: /^[A-Za-z0-9_.:/-]+$/, help: 'env id the trainer learns' },
  { key: 'numEnvs', flag: 'num-envs', kind: 'int', check: 1, help: 'trainer sub-envs, spread over the servers' },
  { key: 'steps', flag: 'steps', kind: 'int', check: 1, help: 'trainer steps' },
  { key: 'runsStorage', flag: 'runs-storage', kind: 'string', check: QUANTITY, help: "size of the trainer's output claim" },
];

/** Reads the parameter flags given as text; throws an Error naming the flag for a bad value. */
export function readParams(values: Record<string, string | undefined>): FarmParams {
  const p: Record<string, string | number> = { ...FARM_DEFAULTS };
  for (const f of PARAM_FLAGS) {
    const text = values[f.flag];
    if (text === undefined) continue;
    if (f.kind === 'int') {
      const n = Number(text);
      if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n < (f.check as number)) {
        throw new Error(`--${f.flag} must be an integer >= ${f.check}, got '${text}'`);
      }
      p[f.key] = n;
    } else {
      if (!(f.check as RegExp).test(text)) throw new Error(`--${f.flag}: '${text}' does not match ${f.check}`);
      p[f.key] = text;
    }
  }
  return p as unknown as FarmParams;
}
