/**
 * Pod Security Standards "restricted" for every pod, and arm64 placement.
 * One place for these so that no workload can drift from them.
 */
import { k8s } from 'cdk8s-plus-28';
import { ContainerResources } from '../../lib/config';

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

/** Requests and limits as the API wants them. */
export function resourceRequirements(r: ContainerResources): k8s.ResourceRequirements {
  return {
    requests: { cpu: k8s.Quantity.fromString(r.requests.cpu), memory: k8s.Quantity.fromString(r.requests.memory) },
    limits: { cpu: k8s.Quantity.fromString(r.limits.cpu), memory: k8s.Quantity.fromString(r.limits.memory) },
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
