/**
 * Names and labels of one workload. Every object carries the recommended
 * app.kubernetes.io labels; selectors use only the two that never change.
 */
import { toLabelValue } from '../../lib/k8s-validation';

export interface WorkloadIdentity {
  /** The seed's service name, also the object name and DNS name ("postgres", "auth-api"). */
  readonly name: string;
  /** The system the workload is part of ("booksync"). */
  readonly system: string;
  /** "database", "api" or "worker". */
  readonly component: string;
  /** The image tag it runs. */
  readonly version: string;
}

export const MANAGED_BY = 'cdk8s';

/** Labels that select the workload's pods: stable across upgrades. */
export function selectorLabels(id: Pick<WorkloadIdentity, 'name' | 'system'>): Record<string, string> {
  return { 'app.kubernetes.io/name': id.name, 'app.kubernetes.io/instance': id.system };
}

/** The full recommended label set for the workload's objects and pods. */
export function workloadLabels(id: WorkloadIdentity): Record<string, string> {
  return {
    ...selectorLabels(id),
    // A tag may be up to 128 characters, end in "-", or be a digest: none of those is a label value.
    'app.kubernetes.io/version': toLabelValue(id.version),
    'app.kubernetes.io/component': id.component,
    'app.kubernetes.io/part-of': id.system,
    'app.kubernetes.io/managed-by': MANAGED_BY,
  };
}

/** A system (a seed) and the release of its own images. */
export interface SystemIdentity {
  readonly name: string;
  readonly version: string;
}

/** Labels for objects that belong to the whole system rather than one workload. */
export function systemLabels(system: SystemIdentity, component: string): Record<string, string> {
  return workloadLabels({ name: system.name, system: system.name, component, version: system.version });
}

/** The tag or digest of a reference ("pgvector/pgvector:0.8.1-pg17" gives "0.8.1-pg17", "…@sha256:ab…" gives "sha256:ab…"). */
export function imageTag(image: string): string {
  const at = image.indexOf('@');
  if (at >= 0) return image.slice(at + 1);
  return image.slice(image.lastIndexOf(':') + 1);
}
