// The Kubernetes manifests (k8s/manifests.ts -> k8s/*.yaml) and the Dockerfile: the committed
// YAML is what `npm run k8s` writes and parses back to the typed objects; ports, probes,
// the token Secret, the memory budget and the farm's DNS name are wired consistently; the
// generator's flags; the Dockerfile's user, port, entrypoint and health check (its one-liner
// run against a stub /healthz). Nothing here needs a cluster or a container engine.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import { DockerfileParser } from 'dockerfile-ast';
import type { Deployment } from 'kubernetes-types/apps/v1.js';
import type { Job } from 'kubernetes-types/batch/v1.js';
import type { Container, EnvVar, PersistentVolumeClaim, Service } from 'kubernetes-types/core/v1.js';
import {
  BUDGET_SETTING,
  DRAIN_ENV,
  FARM_DEFAULTS,
  HEALTH_PATH,
  READY_PATH,
  RUN_AS,
  TOKEN_ENV,
  farmService,
  manifests,
  readParams,
  renderFiles,
} from '../k8s/manifests.ts';
import { DEFAULT_DRAIN_GRACE_S, DEFAULT_PORT } from '../server/options.ts';
import { parseFarmUrl } from '../client/discovery.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const K8S = join(ROOT, 'k8s');

/** Every document of a YAML text, as plain objects; fails on any parse error or warning. */
function parseYaml(text: string): unknown[] {
  return parseAllDocuments(text).map((doc) => {
    assert.deepEqual([...doc.errors, ...doc.warnings].map(String), []);
    return doc.toJS();
  });
}

function byKind(files: Record<string, string>) {
  const docs = Object.values(files).flatMap(parseYaml) as { kind: string }[];
  const one = <T>(kind: string) => {
    const found = docs.filter((d) => d.kind === kind);
    assert.equal(found.length, 1, `one ${kind}`);
    return found[0] as T;
  };
  return {
    service: one<Service>('Service'),
    deployment: one<Deployment>('Deployment'),
    job: one<Job>('Job'),
    claim: one<PersistentVolumeClaim>('PersistentVolumeClaim'),
  };
}

const envOf = (c: Container, name: string): EnvVar => {
  const found = c.env?.find((e) => e.name === name);
  assert.ok(found, `${c.name} has env ${name}`);
  return found;
};
const argAfter = (c: Container, flag: string) => {
  const i = c.args!.indexOf(flag);
  assert.ok(i >= 0, `${c.name} is given ${flag}`);
  return c.args![i + 1];
};
const MIB = /^(\d+)Mi$/;
const mib = (q: unknown) => Number(MIB.exec(String(q))?.[1] ?? NaN);

test('the committed k8s/*.yaml are what `npm run k8s` writes, and parse back to the typed objects', () => {
  const files = renderFiles(FARM_DEFAULTS);
  assert.deepEqual(
    readdirSync(K8S)
      .filter((f) => f.endsWith('.yaml'))
      .sort(),
    Object.keys(files).sort(),
    'no YAML file missing or left over',
  );
  for (const [file, text] of Object.entries(files)) {
    assert.equal(readFileSync(join(K8S, file), 'utf8'), text, `k8s/${file} is stale: run npm run k8s`);
    assert.deepEqual(parseYaml(text), manifests(FARM_DEFAULTS)[file], `k8s/${file} means what manifests.ts says`);
  }
});

test('farm: headless Service -> pods; port, probes, token Secret and memory budget wired consistently', () => {
  const { service, deployment } = byKind(
    Object.fromEntries(['farm.yaml', 'trainer.yaml'].map((f) => [f, readFileSync(join(K8S, f), 'utf8')])),
  );
  const pod = deployment.spec!.template;
  const podLabels = pod.metadata!.labels!;
  // The Service selects the Deployment's pods, and the Deployment selects its own template.
  for (const selector of [service.spec!.selector!, deployment.spec!.selector.matchLabels!]) {
    for (const [k, v] of Object.entries(selector)) assert.equal(podLabels[k], v, `pod label ${k}`);
  }
  assert.equal(service.spec!.clusterIP, 'None', 'headless: DNS answers with every pod');
  assert.equal(service.spec!.publishNotReadyAddresses, false, 'only ready pods are in the answer');
  assert.equal(deployment.spec!.replicas, FARM_DEFAULTS.replicas);

  const [server] = pod.spec!.containers;
  const [svcPort] = service.spec!.ports!;
  const port = server.ports!.find((p) => p.name === svcPort.targetPort);
  assert.ok(port, 'the Service targets a named container port');
  assert.equal(port.containerPort, DEFAULT_PORT);
  assert.equal(svcPort.port, DEFAULT_PORT);
  assert.deepEqual(server.args!.slice(0, 1), ['serve']);
  assert.equal(argAfter(server, '--port'), String(port.containerPort), 'the server listens on the container port');
  assert.equal(argAfter(server, '--host'), '0.0.0.0', 'and on the pod address, not loopback');

  assert.deepEqual(server.livenessProbe!.httpGet, { path: HEALTH_PATH, port: port.name });
  assert.deepEqual(server.readinessProbe!.httpGet, { path: READY_PATH, port: port.name });
  assert.deepEqual([HEALTH_PATH, READY_PATH], ['/healthz', '/readyz']);

  assert.deepEqual(envOf(server, TOKEN_ENV).valueFrom, { secretKeyRef: { name: FARM_DEFAULTS.tokenSecret, key: FARM_DEFAULTS.tokenKey } });
  // The env var the server and the client read the token from.
  assert.match(readFileSync(join(ROOT, 'server/cli.ts'), 'utf8'), new RegExp(`fromEnv\\('${TOKEN_ENV}'\\)`));
  assert.match(readFileSync(join(ROOT, 'client/connection.ts'), 'utf8'), new RegExp(`process\\.env\\.${TOKEN_ENV}`));

  // Memory: the pod asks for the budget plus the overhead, requests = limits; the heap fits between.
  assert.equal(envOf(server, BUDGET_SETTING.env).value, `${FARM_DEFAULTS.budgetMib}MiB`);
  const { requests, limits } = server.resources!;
  assert.equal(mib(requests!.memory), FARM_DEFAULTS.budgetMib + FARM_DEFAULTS.overheadMib);
  assert.equal(limits!.memory, requests!.memory);
  assert.equal(limits!.cpu, undefined, 'no CPU limit (throttling only adds latency)');
  const heap = Number(/--max-old-space-size=(\d+)/.exec(envOf(server, 'NODE_OPTIONS').value!)?.[1]);
  assert.ok(heap > FARM_DEFAULTS.budgetMib && heap < mib(limits!.memory), `heap ${heap} MiB between budget and limit`);

  // Drain: the server is told its grace (the default: the CLI's), and Kubernetes waits longer before SIGKILL.
  assert.equal(Number(envOf(server, DRAIN_ENV).value), DEFAULT_DRAIN_GRACE_S);
  assert.ok(
    pod.spec!.terminationGracePeriodSeconds! >= DEFAULT_DRAIN_GRACE_S + 3,
    'the pod outlives the drain and its 2 s close handshake',
  );
  assert.match(readFileSync(join(ROOT, 'server/cli.ts'), 'utf8'), new RegExp(`fromEnv\\('${DRAIN_ENV}'\\)`));

  assert.equal(pod.spec!.securityContext!.runAsNonRoot, true);
  assert.equal(pod.spec!.securityContext!.runAsUser, RUN_AS);
  assert.equal(server.securityContext!.readOnlyRootFilesystem, true);
});

test('trainer Job: resolves the farm Service by its cluster DNS name, same token Secret, writes to the claim', () => {
  const { service, job, claim } = byKind(
    Object.fromEntries(['farm.yaml', 'trainer.yaml'].map((f) => [f, readFileSync(join(K8S, f), 'utf8')])),
  );
  const pod = job.spec!.template.spec!;
  const [trainer] = pod.containers;
  assert.equal(trainer.args![0], 'train');
  // $(POD_NAMESPACE) is expanded by Kubernetes from the env var the Job defines.
  assert.deepEqual(envOf(trainer, 'POD_NAMESPACE').valueFrom, { fieldRef: { fieldPath: 'metadata.namespace' } });
  const url = argAfter(trainer, '--url');
  assert.ok(url.includes('$(POD_NAMESPACE)'), url);
  const farm = parseFarmUrl(url.replace('$(POD_NAMESPACE)', 'team-a'));
  assert.equal(farm.hostname, `${service.metadata!.name}.team-a.svc.${FARM_DEFAULTS.clusterDomain}`);
  assert.equal(farm.port, String(service.spec!.ports![0].port));
  assert.equal(farm.scheme, 'ws');
  assert.equal(Number(argAfter(trainer, '--num-envs')), FARM_DEFAULTS.numEnvs);
  assert.deepEqual(envOf(trainer, TOKEN_ENV), {
    name: TOKEN_ENV,
    valueFrom: { secretKeyRef: { name: FARM_DEFAULTS.tokenSecret, key: FARM_DEFAULTS.tokenKey } },
  });

  const runs = pod.volumes!.find((v) => v.persistentVolumeClaim?.claimName === claim.metadata!.name);
  assert.ok(runs, 'the Job mounts the claim');
  const mount = trainer.volumeMounts!.find((m) => m.name === runs.name)!;
  assert.ok(argAfter(trainer, '--out').startsWith(mount.mountPath + '/'), 'the run is written to the claim');
  assert.equal(pod.restartPolicy, 'Never');
});

test('generator flags: replicas, image, budget and token Secret reach every object; bad values are refused', () => {
  const p = readParams({
    replicas: '5',
    image: 'registry.example/gymwire:1.2',
    'budget-mib': '1024',
    'token-secret': 'farm-token',
    name: 'lab',
  });
  const { service, deployment, job } = byKind(renderFiles(p));
  assert.equal(deployment.spec!.replicas, 5);
  const server = deployment.spec!.template.spec!.containers[0];
  const trainer = job.spec!.template.spec!.containers[0];
  assert.deepEqual([server.image, trainer.image], ['registry.example/gymwire:1.2', 'registry.example/gymwire:1.2']);
  assert.equal(envOf(server, BUDGET_SETTING.env).value, '1024MiB');
  assert.equal(server.resources!.limits!.memory, `${1024 + FARM_DEFAULTS.overheadMib}Mi`);
  for (const c of [server, trainer]) assert.equal(envOf(c, TOKEN_ENV).valueFrom!.secretKeyRef!.name, 'farm-token');
  assert.equal(service.metadata!.name, 'lab-envs');
  assert.ok(argAfter(trainer, '--url').startsWith('dns+ws://lab-envs.'));
  assert.match(
    renderFiles(p)['farm.yaml'],
    /^# farm\.yaml: generated by `npm run k8s -- --name lab --image registry\.example\/gymwire:1\.2 --replicas 5 --budget-mib 1024 --token-secret farm-token`/,
  );

  for (const [flags, message] of [
    [{ replicas: '-1' }, /--replicas must be an integer >= 0/],
    [{ replicas: '2.5' }, /--replicas must be an integer/],
    [{ 'budget-mib': '0' }, /--budget-mib must be an integer >= 1/],
    [{ name: 'Gym_Wire' }, /--name: 'Gym_Wire' does not match/],
    [{ 'token-secret': 'a b' }, /--token-secret/],
    [{ image: 'two words' }, /--image/],
    [{ cpu: 'lots' }, /--cpu/],
  ] as const) {
    assert.throws(() => readParams(flags as Record<string, string>), message);
  }
  // A type-check catches malformed manifests: each line below compiles only because of its
  // expect-error directive, and an unneeded directive fails the type-check itself.
  const malformed = () => {
    // @ts-expect-error a container port is a number, not a string
    const port: Container = { name: 'x', ports: [{ containerPort: '8765' }] };
    // @ts-expect-error a Deployment's spec has `replicas`, not `replica`
    const typo: Deployment = { spec: { replica: 3, selector: {}, template: {} } };
    // @ts-expect-error a generated manifest must say its apiVersion
    const bare: ReturnType<typeof farmService> = { kind: 'Service', metadata: {} };
    return [port, typo, bare];
  };
  assert.equal(typeof malformed, 'function');
});

test('npm run k8s: writes where --out says, --check tells a current copy from a stale one, a bad flag exits 2', () => {
  const out = mkdtempSync(join(tmpdir(), 'gymwire-k8s-'));
  const run = (...args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', join(K8S, 'generate.ts'), ...args], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, INIT_CWD: ROOT },
    });
  try {
    const wrote = run('--replicas', '7', '--out', out);
    assert.equal(wrote.status, 0, wrote.stderr);
    assert.equal((parseYaml(readFileSync(join(out, 'farm.yaml'), 'utf8'))[1] as Deployment).spec!.replicas, 7);
    assert.equal(run('--replicas', '7', '--out', out, '--check').status, 0);
    writeFileSync(join(out, 'farm.yaml'), readFileSync(join(out, 'farm.yaml'), 'utf8').replace('replicas: 7', 'replicas: 8'));
    const stale = run('--replicas', '7', '--out', out, '--check');
    assert.equal(stale.status, 1);
    assert.match(stale.stderr, /farm\.yaml is not what k8s\/manifests\.ts gives/);
    const bad = run('--replicas', 'many', '--out', out);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--replicas must be an integer >= 0, got 'many'/);
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
});

test('Dockerfile: multi-stage, runtime stage takes only the installed package, numeric non-root user, port, entrypoint; its health check asks /healthz', async () => {
  const df = DockerfileParser.parse(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'));
  const froms = df.getFROMs();
  assert.equal(froms.length, 2);
  assert.equal(froms[0].getBuildStage(), 'build');
  const runtime = df.getInstructions().filter((i) => i.getRange().start.line > froms[1].getRange().start.line);
  const keyword = (k: string) => runtime.filter((i) => i.getKeyword() === k);
  assert.deepEqual(keyword('RUN'), [], 'nothing is built in the runtime stage');
  assert.deepEqual(
    keyword('COPY').map((c) => c.getTextContent()),
    ['COPY --from=build /opt/gymwire /opt/gymwire'],
  );
  assert.deepEqual(
    keyword('USER').map((u) => u.getArgumentsContent()),
    [`${RUN_AS}:${RUN_AS}`],
    'the uid the manifests run as',
  );
  assert.deepEqual(
    keyword('EXPOSE').map((e) => e.getArgumentsContent()),
    [String(DEFAULT_PORT)],
  );
  assert.deepEqual(JSON.parse(keyword('ENTRYPOINT')[0].getArgumentsContent()!), ['gymwire']);
  assert.deepEqual(JSON.parse(keyword('CMD')[0].getArgumentsContent()!), ['serve']);
  const env = Object.fromEntries(df.getENVs().flatMap((e) => e.getProperties().map((p) => [p.getName(), p.getValue()])));
  assert.equal(env.GYMWIRE_HOST, '0.0.0.0');
  assert.equal(env.GYMWIRE_PORT, String(DEFAULT_PORT));

  const check = keyword('HEALTHCHECK')[0].getArgumentsContent()!;
  const [cmd, ...rest] = JSON.parse(check.slice(check.indexOf('CMD') + 3)) as string[];
  assert.equal(cmd, 'node');
  // The one-liner against a stub server: exit 0 while /healthz answers 200, 1 otherwise.
  let healthy = true;
  const paths: string[] = [];
  const stub = createServer((req, res) => {
    paths.push(req.url ?? '');
    res.writeHead(healthy ? 200 : 503).end();
  });
  await new Promise<void>((resolve) => stub.listen(0, '127.0.0.1', resolve));
  const port = (stub.address() as { port: number }).port;
  const probe = () =>
    new Promise<number | null>((resolve) => {
      const child = spawn(process.execPath, rest, { env: { ...process.env, GYMWIRE_PORT: String(port) }, stdio: 'ignore' });
      child.once('exit', resolve);
    });
  try {
    assert.equal(await probe(), 0);
    healthy = false;
    assert.equal(await probe(), 1);
    assert.deepEqual(paths, [HEALTH_PATH, HEALTH_PATH]);
  } finally {
    stub.closeAllConnections();
    await new Promise((resolve) => stub.close(resolve));
  }
  assert.equal(await probe(), 1, 'nothing listening');
});
