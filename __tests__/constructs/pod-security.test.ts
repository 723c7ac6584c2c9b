/** The pod-security helpers: restricted contexts, resources with ephemeral storage, arm64 placement, scratch volumes. */
import * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
import {
  archAffinity,
  resourceRequirements,
  restrictedContainerSecurity,
  restrictedPodSecurity,
  scratchVolume,
} from '../../charts/constructs/pod-security';
import { ARM64_TERMS, restrictedViolations } from '../support/construct-chart';

const r = { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '1', memory: '512Mi' } };

describe('pod-security', () => {
  test.each([999, 10001])('uid %i: a pod and container that meet Pod Security "restricted", read-only root, that uid', (uid) => {
    const container = { name: 'c', securityContext: restrictedContainerSecurity(uid) };
    const pod = { securityContext: restrictedPodSecurity(uid), containers: [container] };
    expect(restrictedViolations(pod)).toEqual([]);
    expect(pod.securityContext).toMatchObject({ runAsUser: uid, runAsGroup: uid, fsGroup: uid, fsGroupChangePolicy: 'OnRootMismatch' });
    expect(container.securityContext).toMatchObject({ runAsUser: uid, runAsGroup: uid, readOnlyRootFilesystem: true, privileged: false });
  });

  test('restrictedViolations notices a container that breaks the profile (the checker can fail)', () => {
    const capabilities = { drop: ['ALL'], add: ['NET_ADMIN'] };
    const loose = { ...restrictedContainerSecurity(1), allowPrivilegeEscalation: true, capabilities };
    expect(restrictedViolations({ containers: [{ name: 'c', securityContext: loose }] })).toEqual([
      'c: allowPrivilegeEscalation',
      'c: capabilities.add',
    ]);
  });

  test.each([
    [[], '256Mi'],
    [['64Mi'], '320Mi'],
    [['128Mi', '1Gi'], '1408Mi'],
  ])('resourceRequirements with scratch %j: cpu and memory as given, ephemeral-storage 64Mi requested and %s limit', (scratch, limit) => {
    expect(k8s.toJson_ResourceRequirements(resourceRequirements(r, scratch))).toEqual({
      requests: { cpu: '100m', memory: '64Mi', 'ephemeral-storage': '64Mi' },
      limits: { cpu: '1', memory: '512Mi', 'ephemeral-storage': limit },
    });
  });

  test('archAffinity: required arm64 node affinity, or none', () => {
    expect(archAffinity(false)).toBeUndefined();
    expect(archAffinity(true)?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms).toEqual(ARM64_TERMS);
  });

  test('scratchVolume: an emptyDir with a size limit, on disk or in memory', () => {
    expect(k8s.toJson_Volume(scratchVolume('tmp', '64Mi'))).toEqual({ name: 'tmp', emptyDir: { sizeLimit: '64Mi' } });
    expect(k8s.toJson_Volume(scratchVolume('shm', '1Gi', 'Memory'))).toEqual({
      name: 'shm',
      emptyDir: { medium: 'Memory', sizeLimit: '1Gi' },
    });
  });
});
