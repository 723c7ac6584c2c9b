/**
 * `npm run status` from kubectl's JSON to rows (pure): rollout state and restarts of every
 * workload, the phase of every claim, and when the last backup succeeded.
 */
import { KubeObject } from '../lib/manifests';

/** A backup older than this is worth a warning: the CronJob runs nightly. */
const STALE_BACKUP_MS = 2 * 24 * 3600 * 1000;
const NAME_LABEL = 'app.kubernetes.io/name';

// ---------------------------------------------------------------------------------------
// From kubectl's JSON to rows (pure)

/** One line of the table. `problem` makes the exit code 1; `warning` is only printed. */
export interface StatusRow {
  object: string;
  ready: string;
  restarts?: number;
  details: string;
  problem?: string;
  warning?: string;
}

/** Restarts of a workload's pods: the pods carrying its app.kubernetes.io/name. */
export function restartsOf(pods: any[], name: string): number {
  return podsOf(pods, name)
    .flatMap((p) => p.status?.containerStatuses ?? [])
    .reduce((sum: number, c: any) => sum + (c.restartCount ?? 0), 0);
}

function podsOf(pods: any[], name: string): any[] {
  return pods.filter((p) => p.metadata?.labels?.[NAME_LABEL] === name);
}

/** Why the first of a workload's running or pending pods that is not Ready is not, if any. */
function unreadyPod(pods: any[], name: string): string | undefined {
  const pod = podsOf(pods, name).find(
    (p) =>
      ['Pending', 'Running'].includes(p.status?.phase) &&
      !p.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True'),
  );
  if (!pod) return undefined;
  const waiting = (pod.status?.containerStatuses ?? []).map((c: any) => c.state?.waiting?.reason).find(Boolean);
  return `pod ${pod.metadata.name} not ready${waiting ? ` (${waiting})` : ''}`;
}

/** A Deployment: ready/desired, updated and available replicas. */
export function deploymentRow(d: any, pods: any[], configured?: number): StatusRow {
  const desired = d.spec?.replicas ?? 1;
  const s = d.status ?? {};
  const [ready, updated, available] = [s.readyReplicas ?? 0, s.updatedReplicas ?? 0, s.availableReplicas ?? 0];
  const short = ready < desired || updated < desired || available < desired;
  const problem = short ? `${ready}/${desired} ready, ${updated} updated, ${available} available` : unreadyPod(pods, d.metadata.name);
  return {
    ...workloadBase(d, pods, `${ready}/${desired}`, `updated ${updated}, available ${available}`, problem),
    warning: configured !== undefined && configured !== desired ? `scaled to ${desired}, the config says ${configured}` : undefined,
  };
}

/** A StatefulSet: ready/desired and whether every pod runs the current revision. */
export function statefulSetRow(s: any, pods: any[]): StatusRow {
  const desired = s.spec?.replicas ?? 1;
  const ready = s.status?.readyReplicas ?? 0;
  const { currentRevision, updateRevision } = s.status ?? {};
  const rolling = updateRevision !== undefined && currentRevision !== updateRevision;
  const problem =
    ready < desired ? `${ready}/${desired} ready` : rolling ? `rolling out ${updateRevision}` : unreadyPod(pods, s.metadata.name);
  return workloadBase(
    s,
    pods,
    `${ready}/${desired}`,
    rolling ? `revision ${currentRevision} -> ${updateRevision}` : `revision ${currentRevision ?? '?'} (current)`,
    problem,
  );
}

function workloadBase(o: any, pods: any[], ready: string, details: string, problem: string | undefined): StatusRow {
  return { object: `${o.kind}/${o.metadata.name}`, ready, restarts: restartsOf(pods, o.metadata.name), details, problem };
}

/** A backup CronJob: when it last succeeded and was last scheduled; a warning when stale or suspended. */
export function cronJobRow(c: any, pods: any[], now: Date): StatusRow {
  const { lastSuccessfulTime, lastScheduleTime } = c.status ?? {};
  const age = lastSuccessfulTime ? now.getTime() - Date.parse(lastSuccessfulTime) : undefined;
  const when = (t?: string) => (t ? `${t} (${formatAge(now.getTime() - Date.parse(t))} ago)` : 'never');
  const warnings = [
    c.spec?.suspend
      ? `suspended: resume with kubectl -n ${c.metadata.namespace} patch cronjob ${c.metadata.name} ` +
        `--type merge -p '{"spec":{"suspend":false}}'`
      : undefined,
    age === undefined ? 'no successful backup yet' : age > STALE_BACKUP_MS ? `last successful backup is ${formatAge(age)} old` : undefined,
  ].filter(Boolean);
  return {
    object: `CronJob/${c.metadata.name}`,
    ready: c.spec?.suspend ? 'suspended' : '-',
    restarts: restartsOf(pods, c.metadata.name),
    details: `last success ${when(lastSuccessfulTime)}, last schedule ${when(lastScheduleTime)}`,
    warning: warnings.length > 0 ? warnings.join('; ') : undefined,
  };
}

/** A claim: its phase, size and class; anything but Bound is a problem. */
export function claimRow(pvc: any): StatusRow {
  const phase = pvc.status?.phase ?? 'Unknown';
  const size = pvc.status?.capacity?.storage ?? pvc.spec?.resources?.requests?.storage ?? '?';
  return {
    object: `PersistentVolumeClaim/${pvc.metadata.name}`,
    ready: phase,
    details: `${size}, ${pvc.spec?.storageClassName ?? 'default class'}`,
    problem: phase === 'Bound' ? undefined : `claim ${phase}`,
  };
}

const ROW_KINDS = ['StatefulSet', 'Deployment', 'CronJob', 'PersistentVolumeClaim'];

/**
 * The rows of one system from the items of `kubectl get … -o json`: its workloads, those the
 * synthesized objects expect but the cluster lacks (a problem), then its claims.
 */
export function systemRows(items: any[], expected: KubeObject[], now: Date): StatusRow[] {
  const pods = items.filter((i) => i.kind === 'Pod');
  const configured = new Map(
    expected.filter((o: any) => o.kind === 'Deployment').map((o: any) => [o.metadata.name, o.spec.replicas as number]),
  );
  const rowOf = (i: any): StatusRow | undefined => {
    if (i.kind === 'Deployment') return deploymentRow(i, pods, configured.get(i.metadata.name));
    if (i.kind === 'StatefulSet') return statefulSetRow(i, pods);
    if (i.kind === 'CronJob') return cronJobRow(i, pods, now);
    if (i.kind === 'PersistentVolumeClaim') return claimRow(i);
    return undefined;
  };
  const present = new Set(items.map((i) => `${i.kind}/${i.metadata.name}`));
  const missing = expected
    .filter((o) => ROW_KINDS.includes(o.kind) && !present.has(`${o.kind}/${o.metadata.name}`))
    .map((o): StatusRow => ({
      object: `${o.kind}/${o.metadata.name}`,
      ready: '-',
      details: 'not in the cluster',
      problem: 'missing (not synced or applied yet?)',
    }));
  const rows = [...items.map(rowOf).filter((r): r is StatusRow => r !== undefined), ...missing];
  const rank = (r: StatusRow) => ROW_KINDS.indexOf(r.object.split('/')[0]);
  return rows.sort((a, b) => rank(a) - rank(b) || a.object.localeCompare(b.object));
}

/** "45s", "12m", "5h", "3d". */
export function formatAge(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m`;
  if (s < 86400) return `${Math.floor(s / 3600)}h`;
  return `${Math.floor(s / 86400)}d`;
}

/** The rows as an aligned table; the state column says ok, NOT READY or warning. */
export function renderTable(rows: StatusRow[]): string {
  const state = (r: StatusRow) => (r.problem ? `NOT READY: ${r.problem}` : r.warning ? `warning: ${r.warning}` : 'ok');
  const table = [
    ['OBJECT', 'READY', 'RESTARTS', 'DETAILS', 'STATE'],
    ...rows.map((r) => [r.object, r.ready, r.restarts === undefined ? '-' : String(r.restarts), r.details, state(r)]),
  ];
  const widths = table[0].map((_, i) => Math.max(...table.map((cells) => cells[i].length)));
  return table.map((cells) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]))).join('  ')).join('\n');
}
