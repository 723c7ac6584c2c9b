/**
 * Pod Security Standards "restricted" for every pod, and arm64 placement.
 * One place for these so that no workload can drift from them.
 */
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import { ContainerResources } from '../../lib/schema';
import { mebibytes, memoryBytes } from '../../lib/quantity';

/** Pod-level security: non-root with the given uid/gid, RuntimeDefault seccomp. */
export function restrictedPodSecurity(uid: number): k8s.PodSecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: uid,
    runAsGroup: uid,
    fsGroup: uid,
    fsGroupChangePolicy: 'OnRootMismatch',
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/** Container-level security: no privilege escalation, no capabilities, read-only root. */
export function restrictedContainerSecurity(uid: number): k8s.SecurityContext {
  return {
    runAsNonRoot: true,
    runAsUser: uid,
    runAsGroup: uid,
    allowPrivilegeEscalation: false,
    privileged: false,
    readOnlyRootFilesystem: true,
    capabilities: { drop: ['ALL'] },
    seccompProfile: { type: 'RuntimeDefault' },
  };
}

/** Node disk a container may fill besides its emptyDirs: its logs and what the runtime keeps. */
const EPHEMERAL_OVERHEAD = 256 * 2 ** 20;

/**
 * Requests and limits as the API wants them, with ephemeral storage: a small request, and a
 * limit of the container's on-disk emptyDirs plus its logs, so one pod cannot fill the SD card.
 */
export function resourceRequirements(r: ContainerResources, diskScratch: string[] = []): k8s.ResourceRequirements {
  const scratchBytes = diskScratch.reduce((sum, q) => sum + memoryBytes(q)!, 0);
  return {
    requests: {
      cpu: k8s.Quantity.fromString(r.requests.cpu),
      memory: k8s.Quantity.fromString(r.requests.memory),
      'ephemeral-storage': k8s.Quantity.fromString('64Mi'),
    },
    limits: {
      cpu: k8s.Quantity.fromString(r.limits.cpu),
      memory: k8s.Quantity.fromString(r.limits.memory),
      'ephemeral-storage': k8s.Quantity.fromString(mebibytes(scratchBytes + EPHEMERAL_OVERHEAD)),
    },
  };
}

/** Node affinity that keeps pods on arm64 nodes (the Raspberry Pis), or none. */
export function archAffinity(arm64: boolean): k8s.Affinity | undefined {
  if (!arm64) return undefined;
  return {
    nodeAffinity: {
      requiredDuringSchedulingIgnoredDuringExecution: {
        nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/arch', operator: 'In', values: ['arm64'] }] }],
      },
    },
  };
}

/** An emptyDir volume, in memory or on disk, with a size limit. */
export function scratchVolume(name: string, sizeLimit: string, medium?: 'Memory'): k8s.Volume {
  return { name, emptyDir: { medium, sizeLimit: k8s.Quantity.fromString(sizeLimit) } };
}
