/**
 * Deliberate departures from a linter's defaults, silenced on the object that makes them with
 * the linter's own annotation, each with its one-line reason beside it (never a global disable).
 */

/** The reasons kube-score's checks are silenced where they are. */
export const KUBE_SCORE_REASONS = {
  'container-image-pull-policy':
    'images are pinned to release tags that never move; IfNotPresent lets a Pi restart pods while the registry is unreachable',
  'deployment-replicas': 'one replica per API is the size of a home Pi cluster; raise replicas in config/<env>.yaml to spread them',
  'container-security-context-user-group-id':
    'the postgres image runs as its own uid/gid 999, which owns PGDATA; any other id cannot start it',
} as const;

export type KubeScoreCheck = keyof typeof KUBE_SCORE_REASONS;

/** Annotations that silence these kube-score checks on one object, with their reasons. */
export function kubeScoreIgnore(...checks: KubeScoreCheck[]): Record<string, string> {
  return {
    'kube-score/ignore': checks.join(','),
    'pi-gitops/kube-score-ignore-reasons': checks.map((c) => `${c}: ${KUBE_SCORE_REASONS[c]}`).join('; '),
  };
}
