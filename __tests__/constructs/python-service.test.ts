/** PythonService alone: an HTTP API (Deployment + Service) or a worker (exec probes), and what each prop changes. */
import { PythonService, PythonServiceProps } from '../../charts/constructs/python-service';
import {
  ARM64_TERMS,
  danglingMounts,
  envOf,
  nodeTerms,
  one,
  restrictedViolations,
  selects,
  synth,
  testChart,
} from '../support/construct-chart';

const resources = { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '500m', memory: '256Mi' } };
const api: PythonServiceProps = {
  identity: { name: 'auth-api', component: 'api', version: '2.1.0' },
  image: 'registry.home.arpa:5000/auth-api:2.1.0',
  replicas: 1,
  resources,
  env: {},
  http: { port: 8000, healthPath: '/healthz' },
  waitFor: { host: 'db', port: 5432, image: 'pgvector/pgvector:0.8.1-pg17' },
};
const worker: PythonServiceProps = {
  ...api,
  identity: { name: 'sync', component: 'worker', version: '2.1.0' },
  http: undefined,
  execProbe: ['python', '-m', 'sync.alive'],
};

function build(props: PythonServiceProps, cluster = {}) {
  const chart = testChart(cluster);
  const service = new PythonService(chart, 'svc', props);
  const objects = synth(chart);
  const deployment = one(objects, 'Deployment');
  const pod = deployment.spec.template.spec;
  return { service, objects, deployment, pod, container: pod.containers[0] };
}

describe('PythonService, minimal HTTP API', () => {
  const { service, objects, deployment, pod, container } = build(api);

  test('a Deployment and a ClusterIP Service of its name, the Service selecting its pods on the named http port', () => {
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual(['Deployment/auth-api', 'Service/auth-api']);
    expect([service.name, service.port]).toEqual(['auth-api', 8000]);
    const svc = one(objects, 'Service');
    expect(svc.spec.type).toBe('ClusterIP');
    expect(svc.spec.ports).toEqual([{ name: 'http', port: 8000, targetPort: 'http', protocol: 'TCP' }]);
    expect(selects(svc.spec.selector, deployment.spec.template.metadata.labels)).toBe(true);
    expect(svc.spec.selector).toEqual(deployment.spec.selector.matchLabels);
    expect(container.ports).toEqual([{ name: 'http', containerPort: 8000, protocol: 'TCP' }]);
  });

  test("labels it as part of the chart's system, with its own version and component", () => {
    expect(deployment.metadata.labels).toMatchObject({
      'app.kubernetes.io/name': 'auth-api',
      'app.kubernetes.io/instance': 'sys',
      'app.kubernetes.io/part-of': 'sys',
      'app.kubernetes.io/component': 'api',
      'app.kubernetes.io/version': '2.1.0',
    });
  });

  test('probes: startup and readiness on the health path, liveness on the TCP port; 120 s to start', () => {
    const health = { httpGet: { path: '/healthz', port: 'http' } };
    expect(container.startupProbe).toEqual({ ...health, periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 24 });
    expect(container.readinessProbe).toMatchObject(health);
    expect(container.livenessProbe).toMatchObject({ tcpSocket: { port: 'http' } });
  });

  test('waits for the database with its image before starting, restricted as uid 10001, rolling one pod at a time', () => {
    const [wait] = pod.initContainers;
    expect([wait.name, wait.image]).toEqual(['wait-for-database', api.waitFor.image]);
    expect(wait.command.join(' ')).toContain('pg_isready --host=db --port=5432');
    expect(restrictedViolations(pod)).toEqual([]);
    expect([pod.securityContext.runAsUser, container.securityContext.runAsUser, wait.securityContext.runAsUser]).toEqual([
      10001, 10001, 10001,
    ]);
    expect(deployment.spec.strategy.rollingUpdate).toEqual({ maxUnavailable: 0, maxSurge: 1 });
    expect([container.name, container.image, deployment.spec.replicas]).toEqual(['api', api.image, 1]);
  });

  test('a writable /tmp only, 128Mi, counted in its ephemeral-storage limit; no arch pin', () => {
    expect(pod.volumes).toEqual([{ name: 'tmp', emptyDir: { sizeLimit: '128Mi' } }]);
    expect(container.volumeMounts).toEqual([{ name: 'tmp', mountPath: '/tmp' }]);
    expect(container.resources.limits).toEqual({ cpu: '500m', memory: '256Mi', 'ephemeral-storage': '384Mi' });
    expect(nodeTerms(pod)).toBeUndefined();
  });
});

describe('PythonService, all props', () => {
  const props: PythonServiceProps = {
    ...api,
    replicas: 3,
    env: {
      PLAIN: 'info',
      REF: '$(SECRET)',
      DOLLARS: 'a$b$$c',
      KEY: { secret: 's', key: 'k' },
      OPT: { secret: 's', key: 'o', optional: true },
    },
    http: { port: 8000, healthPath: '/healthz', service: { type: 'LoadBalancer', port: 80 } },
    scratchDirs: { cache: '/home/app/.cache' },
    startupSeconds: 600,
  };
  const { objects, deployment, pod, container } = build(props, { arm64: true });

  test('env keeps its order; "$" is escaped so the kubelet expands nothing; Secret keys are references, optional when said', () => {
    expect(container.env.map((e: any) => e.name)).toEqual(['PLAIN', 'REF', 'DOLLARS', 'KEY', 'OPT']);
    expect(envOf(container)).toEqual({
      PLAIN: 'info',
      REF: '$$(SECRET)',
      DOLLARS: 'a$$b$$$$c',
      KEY: { secretKeyRef: { name: 's', key: 'k' } },
      OPT: { secretKeyRef: { name: 's', key: 'o', optional: true } },
    });
  });

  test("a LoadBalancer Service on its own port, still targeting the container's http port", () => {
    expect(one(objects, 'Service').spec).toMatchObject({ type: 'LoadBalancer', ports: [{ name: 'http', port: 80, targetPort: 'http' }] });
  });

  test('scratch dirs are mounted 1Gi emptyDirs beside /tmp, counted in the ephemeral-storage limit', () => {
    expect(pod.volumes).toEqual([
      { name: 'tmp', emptyDir: { sizeLimit: '128Mi' } },
      { name: 'cache', emptyDir: { sizeLimit: '1Gi' } },
    ]);
    expect(danglingMounts(deployment.spec.template)).toEqual([]);
    expect(container.volumeMounts).toContainEqual({ name: 'cache', mountPath: '/home/app/.cache' });
    expect(container.resources.limits['ephemeral-storage']).toBe('1408Mi');
  });

  test('replicas, arm64 and startupSeconds are applied', () => {
    expect([deployment.spec.replicas, container.startupProbe.failureThreshold]).toEqual([3, 120]);
    expect(nodeTerms(pod)).toEqual(ARM64_TERMS);
  });

  const thresholds = [
    [1, 1],
    [5, 1],
    [6, 2],
    [119, 24],
    [120, 24],
    [121, 25],
  ];
  test.each(thresholds)('startupSeconds %i gives %i startup failures of 5 s', (seconds, threshold) => {
    const { container: c } = build({ ...api, startupSeconds: seconds });
    expect(c.startupProbe).toMatchObject({ periodSeconds: 5, failureThreshold: threshold });
  });

  test('startupSeconds 0 is refused (it would give failureThreshold 0, which the API server silently defaults to 3: 15 s)', () => {
    expect(() => build({ ...api, startupSeconds: 0 })).toThrow('startupSeconds must be at least 1');
  });
});

describe('PythonService, worker', () => {
  const { objects, container } = build(worker);

  test('no Service and no port; startup and liveness run its command, no readiness', () => {
    expect(objects.map((o) => o.kind)).toEqual(['Deployment']);
    expect([container.name, container.ports, container.readinessProbe]).toEqual(['worker', undefined, undefined]);
    expect(container.startupProbe).toMatchObject({ exec: { command: worker.execProbe }, failureThreshold: 24 });
    expect(container.livenessProbe).toMatchObject({ exec: { command: worker.execProbe }, periodSeconds: 20 });
  });

  test('without an execProbe it throws, naming the worker', () => {
    expect(() => build({ ...worker, execProbe: undefined })).toThrow('sync: a service without a port needs an execProbe command');
  });
});
