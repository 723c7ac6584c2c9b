/**
 * A SystemChart to test one construct alone (cdk8s-plus style): namespace "ns", system
 * "sys" 1.0.0 and the cluster's defaults, with overrides such as { arm64: true }.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Testing } from 'cdk8s';
import { z } from 'zod';
import { clusterSchema } from '../../charts/constructs/cluster-config';
import { PGVECTOR_IMAGE, PostgresConfig, postgresSchema } from '../../charts/constructs/postgres-config';
import { SystemChart } from '../../charts/constructs/system-chart';
import { PythonServiceProps } from '../../charts/constructs/python-service';
import { validateObjects } from '../../lib/k8s-validation';

export const NAMESPACE = 'ns';
export const SYSTEM = { name: 'sys', version: '1.0.0' };
/** Small container resources that every schema accepts. */
export const SMALL_RESOURCES = { requests: { cpu: '10m', memory: '32Mi' }, limits: { cpu: '100m', memory: '64Mi' } };

/** A full Postgres config (pgvector image, 1Gi, 500m/512Mi, 20 connections) with `raw` applied. */
export function postgresConfig(raw: object = {}): PostgresConfig {
  const defaults = { image: PGVECTOR_IMAGE, storage: '1Gi', resources: { cpu: '500m', memory: '512Mi' }, maxConnections: 20 };
  return postgresSchema(defaults).parse(raw);
}

/** A chart in a fresh app; `cluster` is raw cluster config, defaults filled in by its schema. */
export function testChart(cluster: z.input<typeof clusterSchema> = {}): SystemChart {
  return new SystemChart(Testing.app(), 'test', { namespace: NAMESPACE, system: SYSTEM, cluster: clusterSchema.parse(cluster) });
}

/** The chart's objects, after checking them against the API server's validation rules. */
export function synth(chart: SystemChart): any[] {
  const objects = Testing.synth(chart);
  const violations = validateObjects(objects);
  if (violations.length > 0) throw new Error(`invalid objects: ${JSON.stringify(violations, null, 1)}`);
  return objects;
}

/** The one object of a kind (and name, when given). */
export function one(objects: any[], kind: string, name?: string): any {
  const found = objects.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));
  if (found.length !== 1) throw new Error(`${found.length} ${kind} ${name ?? ''} objects`);
  return found[0];
}

/** Whether every label of the selector is on the pod (or object) labels. */
export function selects(selector: Record<string, string>, labels: Record<string, string>): boolean {
  return Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

/** A container's environment: plain values, or where the others come from. */
export function envOf(container: any): Record<string, any> {
  return Object.fromEntries((container.env ?? []).map((e: any) => [e.name, e.value ?? e.valueFrom]));
}

/** Volume mounts that name no volume of the pod (nor, for a StatefulSet, a claim template). */
export function danglingMounts(template: any, claimTemplates: any[] = []): string[] {
  const volumes = new Set([...(template.spec.volumes ?? []), ...claimTemplates.map((t) => t.metadata)].map((v: any) => v.name));
  const containers = [...(template.spec.initContainers ?? []), ...template.spec.containers];
  const dangling = (c: any) => (c.volumeMounts ?? []).filter((m: any) => !volumes.has(m.name)).map((m: any) => `${c.name}:${m.name}`);
  return containers.flatMap(dangling);
}

/** Pod Security Standards "restricted" (v1.30), as PSA checks a pod: the broken rules, [] when none. */
export function restrictedViolations(podSpec: any): string[] {
  const found: string[] = [];
  const pod = podSpec.securityContext ?? {};
  const allowedVolumes = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret'];
  for (const v of podSpec.volumes ?? []) {
    if (!Object.keys(v).some((k) => allowedVolumes.includes(k))) found.push(`volume ${v.name} type`);
  }
  if (podSpec.hostNetwork || podSpec.hostPID || podSpec.hostIPC) found.push('host namespaces');
  for (const c of [...(podSpec.initContainers ?? []), ...podSpec.containers]) {
    const sc = c.securityContext ?? {};
    if (sc.privileged) found.push(`${c.name}: privileged`);
    if (sc.allowPrivilegeEscalation !== false) found.push(`${c.name}: allowPrivilegeEscalation`);
    if ((sc.runAsNonRoot ?? pod.runAsNonRoot) !== true) found.push(`${c.name}: runAsNonRoot`);
    if ((sc.runAsUser ?? pod.runAsUser) === 0) found.push(`${c.name}: runAsUser 0`);
    const seccomp = (sc.seccompProfile ?? pod.seccompProfile)?.type;
    if (seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost') found.push(`${c.name}: seccompProfile`);
    if (!sc.capabilities?.drop?.includes('ALL')) found.push(`${c.name}: capabilities.drop ALL`);
    if ((sc.capabilities?.add ?? []).some((cap: string) => cap !== 'NET_BIND_SERVICE')) found.push(`${c.name}: capabilities.add`);
    if (c.ports?.some((p: any) => p.hostPort)) found.push(`${c.name}: hostPort`);
  }
  return found;
}

/** The node affinity terms of a pod, undefined when it has none. */
export function nodeTerms(podSpec: any): any {
  return podSpec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
}

export const ARM64_TERMS = [{ matchExpressions: [{ key: 'kubernetes.io/arch', operator: 'In', values: ['arm64'] }] }];

/** An empty folder of init scripts, for a PgvectorPostgres whose system has none of its own. */
export const NO_INIT_SCRIPTS = fs.mkdtempSync(path.join(os.tmpdir(), 'no-init-scripts-'));

/** The smallest HTTP API a test needs, waiting for a database "db": props to spread and override. */
export function minimalApi(name: string, replicas = 1): PythonServiceProps {
  return {
    identity: { name, component: 'api', version: '1' },
    image: 'a:1',
    replicas,
    env: {},
    resources: SMALL_RESOURCES,
    http: { port: 8000, healthPath: '/' },
    waitFor: { host: 'db', port: 5432, image: 'pg:17' },
  };
}
