/**
 * Deliberate departures from a linter's defaults, silenced on the object that makes them with
 * the linter's own annotation, each with its one-line reason beside it (never a global disable).
 */

/** Why images are named by tag: the first half of two reasons, kept in one place. */
const PINNED_TAGS = 'images are pinned to release tags that never move';

/** The reasons kube-score's checks are silenced where they are. */
export const KUBE_SCORE_REASONS = {
  'container-image-pull-policy': `${PINNED_TAGS}; IfNotPresent lets a Pi restart pods while the registry is unreachable`,
  'deployment-replicas': 'one replica per API is the size of a home Pi cluster; raise replicas in config/<env>.yaml to spread them',
  'deployment-has-host-podantiaffinity':
    'its replicas are spread over the nodes by a topologySpreadConstraint (maxSkew 1 on kubernetes.io/hostname), ' +
    "the scheduler's successor of pod anti-affinity",
  'networkpolicy-targets-pod':
    'its pods are made by the CloudNativePG operator from the Cluster, which gives them these labels (inheritedMetadata)',
  'container-security-context-user-group-id':
    'the postgres image runs as its own uid/gid 999, which owns PGDATA and the dumps; any other id cannot start it or read them',
} as const;

export type KubeScoreCheck = keyof typeof KUBE_SCORE_REASONS;

/** Annotations that silence these kube-score checks on one object, with their reasons. */
export function kubeScoreIgnore(...checks: KubeScoreCheck[]): Record<string, string> {
  return {
    'kube-score/ignore': checks.join(','),
    'pi-gitops/kube-score-ignore-reasons': checks.map((c) => `${c}: ${KUBE_SCORE_REASONS[c]}`).join('; '),
  };
}

/**
 * The reasons Checkov's checks are silenced where they are: kube-score's own reason where the
 * choice is the same one. Checkov reads `<id>=<reason>` split at "=", so a reason has none.
 */
export const CHECKOV_REASONS = {
  /** Image Pull Policy should be Always (passes by itself for an image given by digest). */
  CKV_K8S_15: KUBE_SCORE_REASONS['container-image-pull-policy'],
  /** Image should use digest. */
  CKV_K8S_43: `${PINNED_TAGS}, read and bumped in config/<env>.yaml, where an image given as name@sha256:<digest> passes`,
  /** Containers should run as a high UID to avoid host conflict (10000 or more). */
  CKV_K8S_40: KUBE_SCORE_REASONS['container-security-context-user-group-id'],
  /** Prefer using secrets as files over secrets as environment variables. */
  CKV_K8S_35:
    "the seed's services read DATABASE_URL and their keys from their environment, and the off-node copy hands rclone its " +
    'crypt passwords the same way (RCLONE_CONFIG_*); they come from a Secret by secretKeyRef, never written in a manifest',
  /** Readiness Probe Should be Configured. */
  CKV_K8S_9:
    'a worker: no Service sends it traffic and its startupProbe already holds a rollout until it runs; ' +
    'a readiness probe would gate nothing',
} as const;

export type CheckovCheck = keyof typeof CHECKOV_REASONS;

/**
 * Annotations that silence these Checkov checks on one object (`checkov.io/skip1`, `skip2`…:
 * one check each, with its reason). Give all of an object's checks in one call: two calls
 * would both write `checkov.io/skip1`.
 */
export function checkovSkip(...checks: CheckovCheck[]): Record<string, string> {
  if (new Set(checks).size !== checks.length) throw new Error(`checkovSkip: a check given twice in ${checks.join(', ')}`);
  return Object.fromEntries(
    checks.map((c, i) => {
      const reason = CHECKOV_REASONS[c];
      if (reason.includes('=')) throw new Error(`checkovSkip: the reason of ${c} has "=", which Checkov splits at`);
      return [`checkov.io/skip${i + 1}`, `${c}=${reason}`];
    }),
  );
}

/** CKV_K8S_15 and CKV_K8S_43 when any of the containers names its image by tag (the project's choice), none when all use digests. */
export function tagChecks(containers: Array<{ image?: string }>): CheckovCheck[] {
  return containers.some((c) => !c.image?.includes('@sha256:')) ? ['CKV_K8S_15', 'CKV_K8S_43'] : [];
}

/** CKV_K8S_35 when any of the containers reads a Secret through its environment. */
export function envSecretChecks(
  containers: Array<{ env?: Array<{ valueFrom?: { secretKeyRef?: unknown } }>; envFrom?: Array<{ secretRef?: unknown }> }>,
): CheckovCheck[] {
  const reads = containers.some((c) => c.env?.some((e) => e.valueFrom?.secretKeyRef) || c.envFrom?.some((e) => e.secretRef));
  return reads ? ['CKV_K8S_35'] : [];
}
