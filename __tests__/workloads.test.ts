/**
 * Properties every system must have in every environment: sizing, probes, Pod Security
 * "restricted", pinned images, labels, Services that select exactly their workload, and
 * Secret references that point at Secrets the system defines.
 */
import { memoryBytes } from '../lib/quantity';
import { ENVIRONMENTS, loadConfig, objectsOf, podTemplates, secretsOf } from './support/synth';
import { SYSTEMS } from '../app/registry';
import { KubeObject } from '../lib/manifests';

const RECOMMENDED = ['name', 'instance', 'version', 'component', 'part-of', 'managed-by'].map((l) => `app.kubernetes.io/${l}`);
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

const cases = ENVIRONMENTS.flatMap((env) => SYSTEMS.map((s) => [env, s.name] as const));

const allContainers = (template: any): any[] => [...(template.spec.initContainers ?? []), ...template.spec.containers];

describe.each(cases)('%s/%s', (env, system) => {
  const objects = objectsOf(env, system);
  const templates = podTemplates(objects);
  const config = loadConfig(env);

  test('has workloads, one Namespace and Services', () => {
    expect(templates.length).toBeGreaterThan(1);
    expect(objects.filter((o) => o.kind === 'Namespace')).toHaveLength(1);
    expect(objects.some((o) => o.kind === 'Service')).toBe(true);
  });

  test('every container has CPU, memory and ephemeral-storage requests and limits, requests within limits', () => {
    for (const { template } of templates) {
      for (const c of allContainers(template)) {
        for (const side of ['requests', 'limits']) {
          for (const resource of ['cpu', 'memory', 'ephemeral-storage'])
            expect([c.name, side, resource, c.resources?.[side]?.[resource] !== undefined]).toEqual([c.name, side, resource, true]);
        }
        expect(memoryBytes(c.resources.requests.memory)!).toBeLessThanOrEqual(memoryBytes(c.resources.limits.memory)!);
      }
    }
  });

  test('every long-running container has startup and liveness probes, and readiness when a Service sends it traffic', () => {
    const served = (template: any) =>
      objects.some(
        (o: any) => o.kind === 'Service' && Object.entries(o.spec.selector).every(([k, v]) => template.metadata.labels[k] === v),
      );
    for (const { owner, template } of templates.filter((t) => t.owner.kind !== 'CronJob')) {
      for (const c of template.spec.containers) {
        expect([owner.metadata.name, c.name, Boolean(c.startupProbe && c.livenessProbe)]).toEqual([owner.metadata.name, c.name, true]);
        if (served(template)) expect([c.name, Boolean(c.readinessProbe)]).toEqual([c.name, true]);
        if (c.readinessProbe) expect(c.readinessProbe).not.toEqual(c.livenessProbe);
      }
    }
  });

  test('every pod and container meets Pod Security "restricted", with a read-only root', () => {
    for (const { template } of templates) {
      const pod = template.spec;
      expect(pod.securityContext.runAsNonRoot).toBe(true);
      expect(pod.securityContext.seccompProfile).toEqual({ type: 'RuntimeDefault' });
      expect(pod.automountServiceAccountToken).toBe(false);
      expect(pod.hostNetwork ?? false).toBe(false);
      for (const c of allContainers(template)) {
        const sc = c.securityContext;
        expect(sc.runAsNonRoot).toBe(true);
        expect(sc.runAsUser).toBeGreaterThan(0);
        expect(sc.allowPrivilegeEscalation).toBe(false);
        expect(sc.privileged).toBe(false);
        expect(sc.capabilities).toEqual({ drop: ['ALL'] });
        expect(sc.readOnlyRootFilesystem).toBe(true);
        expect(sc.seccompProfile).toEqual({ type: 'RuntimeDefault' });
      }
    }
  });

  test('the Namespace enforces the restricted profile', () => {
    const ns = objects.find((o) => o.kind === 'Namespace')!;
    expect(ns.metadata.labels!['pod-security.kubernetes.io/enforce']).toBe('restricted');
    expect(ns.metadata.namespace).toBeUndefined();
  });

  test('no image is latest or untagged', () => {
    for (const { template } of templates) {
      for (const c of allContainers(template)) {
        expect(c.image).toMatch(/:[A-Za-z0-9_][A-Za-z0-9_.-]*$|@sha256:/);
        expect(c.image).not.toMatch(/:latest$/);
      }
    }
  });

  test('every object carries the recommended labels with valid values', () => {
    for (const o of objects) {
      for (const label of RECOMMENDED) {
        expect([o.kind, o.metadata.name, label, o.metadata.labels?.[label] !== undefined]).toEqual([o.kind, o.metadata.name, label, true]);
        expect(o.metadata.labels![label]).toMatch(LABEL_VALUE);
      }
    }
  });

  test('every Service selects exactly one workload and targets a port it declares', () => {
    const owner = (service: string) => service.replace(/-headless$/, '');
    for (const service of objects.filter((o): o is any => o.kind === 'Service')) {
      const selector = Object.entries(service.spec.selector as Record<string, string>);
      const selected = templates.filter(({ template }) => selector.every(([k, v]) => template.metadata.labels[k] === v));
      expect(selected.map((s) => s.owner.metadata.name)).toEqual([owner(service.metadata.name)]);
      const ports = selected[0].template.spec.containers.flatMap((c: any) => c.ports ?? []).map((p: any) => p.name);
      for (const port of service.spec.ports) expect(ports).toContain(port.targetPort);
    }
  });

  test('every Secret a pod reads is one the system defines, with that key', () => {
    const secrets = secretsOf(config, system);
    const keysOf = (name: string) => Object.keys(secrets.find((s) => s.name === name)?.data ?? {});
    for (const { template } of templates) {
      for (const c of allContainers(template)) {
        for (const e of c.env ?? []) {
          const ref = e.valueFrom?.secretKeyRef;
          if (ref) expect([e.name, keysOf(ref.name)]).toEqual([e.name, expect.arrayContaining([ref.key])]);
        }
      }
      for (const v of template.spec.volumes ?? []) {
        for (const src of v.projected?.sources ?? []) {
          if (src.secret) expect(keysOf(src.secret.name)).toEqual(expect.arrayContaining(src.secret.items.map((i: any) => i.key)));
        }
      }
    }
  });

  test('pods are pinned to arm64 nodes exactly when the environment says so', () => {
    for (const { template } of templates) {
      const terms = template.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
      if (config.cluster.arm64) {
        expect(terms).toEqual([{ matchExpressions: [{ key: 'kubernetes.io/arch', operator: 'In', values: ['arm64'] }] }]);
      } else {
        expect(terms).toBeUndefined();
      }
    }
  });

  test('every namespaced object is in the system namespace', () => {
    const ns = objects.find((o) => o.kind === 'Namespace')!.metadata.name;
    for (const o of objects.filter((x: KubeObject) => x.kind !== 'Namespace')) expect(o.metadata.namespace).toBe(ns);
  });
});
