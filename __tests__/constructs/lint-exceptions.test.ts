/**
 * kube-score exceptions: each silenced check has its one-line reason on the object, and every known exception is used.
 * Checkov exceptions: its own annotation per check, with the reason kube-score gives where the choice is the same.
 */
import { BackendNetwork } from '../../charts/constructs/backend-network';
import { PgvectorPostgres } from '../../charts/constructs/pgvector-postgres';
import { PythonService } from '../../charts/constructs/python-service';
import {
  CHECKOV_REASONS,
  CheckovCheck,
  KUBE_SCORE_REASONS,
  KubeScoreCheck,
  checkovSkip,
  kubeScoreIgnore,
} from '../../charts/constructs/lint-exceptions';
import { NO_INIT_SCRIPTS, minimalApi, postgresConfig, synth, testChart } from '../support/construct-chart';

const CHECKS = Object.keys(KUBE_SCORE_REASONS) as KubeScoreCheck[];

describe('kubeScoreIgnore', () => {
  test.each(CHECKS.map((c) => [c]))('%s alone: the check, and its reason after its name', (check) => {
    const reasons = `${check}: ${KUBE_SCORE_REASONS[check]}`;
    expect(kubeScoreIgnore(check)).toEqual({ 'kube-score/ignore': check, 'pi-gitops/kube-score-ignore-reasons': reasons });
  });

  test('several: comma-separated checks, reasons in the same order separated by "; "', () => {
    const [a, b] = CHECKS;
    expect(kubeScoreIgnore(a, b)).toEqual({
      'kube-score/ignore': `${a},${b}`,
      'pi-gitops/kube-score-ignore-reasons': `${a}: ${KUBE_SCORE_REASONS[a]}; ${b}: ${KUBE_SCORE_REASONS[b]}`,
    });
  });

  test('every reason is one non-empty line (annotations are read in one line by kubectl and kube-score)', () => {
    for (const reason of Object.values(KUBE_SCORE_REASONS)) expect(reason).toMatch(/^[^\n]{10,}$/);
  });

  test('the constructs use every exception, each with its reason on the same object', () => {
    const chart = testChart();
    const admin = { role: 'a', secretName: 'a' };
    new PgvectorPostgres(chart, 'db', { name: 'db', config: postgresConfig(), database: 'd', admin, initScriptsDir: NO_INIT_SCRIPTS });
    for (const [name, replicas] of [
      ['api', 1],
      ['web', 2], // spread over the nodes instead of pod anti-affinity
    ] as const) {
      new PythonService(chart, name, minimalApi(name, replicas));
    }
    // A policy of pods an operator makes (CloudNativePG's instances), and one of pods in these manifests.
    new BackendNetwork(chart, 'net', {
      workloads: ['api', 'pg'],
      connections: [{ from: 'api', to: 'pg', port: 5432 }],
      operatorPods: ['pg'],
    });
    const annotated = synth(chart)
      .map((o) => o.metadata.annotations ?? {})
      .filter((a) => a['kube-score/ignore']);
    expect(annotated.map((a) => a['kube-score/ignore'])).toEqual([
      'container-image-pull-policy,container-security-context-user-group-id',
      'container-image-pull-policy,container-security-context-user-group-id',
      'container-image-pull-policy,deployment-replicas',
      'container-image-pull-policy,deployment-replicas,deployment-has-host-podantiaffinity',
      'networkpolicy-targets-pod',
    ]);
    for (const a of annotated) expect(a).toMatchObject(kubeScoreIgnore(...(a['kube-score/ignore'].split(',') as KubeScoreCheck[])));
    expect(new Set(annotated.flatMap((a) => a['kube-score/ignore'].split(',')))).toEqual(new Set(CHECKS));
  });
});

const CHECKOV_CHECKS = Object.keys(CHECKOV_REASONS) as CheckovCheck[];

/**
 * What Checkov makes of an object's annotations (checkov/kubernetes/kubernetes_utils.py): each key holding
 * "checkov.io/skip", its value split at "=" into the check and its reason.
 */
function checkovReads(annotations: Record<string, string>): { id: string; reason: string }[] {
  return Object.entries(annotations)
    .filter(([key]) => key.includes('checkov.io/skip'))
    .map(([, value]) => {
      const parts = value.split('=');
      expect(parts).toHaveLength(2); // Checkov unpacks exactly two: a third part is a crash
      return { id: parts[0], reason: parts[1] };
    });
}

describe('checkovSkip', () => {
  test.each(CHECKOV_CHECKS.map((c) => [c]))('%s alone: checkov.io/skip1 with the check and its reason', (check) => {
    expect(checkovSkip(check)).toEqual({ 'checkov.io/skip1': `${check}=${CHECKOV_REASONS[check]}` });
    expect(checkovReads(checkovSkip(check))).toEqual([{ id: check, reason: CHECKOV_REASONS[check] }]);
  });

  test('several: one numbered annotation per check, in the order given, each read back as Checkov reads it', () => {
    const annotations = checkovSkip('CKV_K8S_15', 'CKV_K8S_43', 'CKV_K8S_40');
    expect(Object.keys(annotations)).toEqual(['checkov.io/skip1', 'checkov.io/skip2', 'checkov.io/skip3']);
    expect(checkovReads(annotations)).toEqual(
      (['CKV_K8S_15', 'CKV_K8S_43', 'CKV_K8S_40'] as const).map((id) => ({ id, reason: CHECKOV_REASONS[id] })),
    );
  });

  test("every check at once is read back whole, and sits beside kube-score's annotations without clashing", () => {
    const annotations = { ...kubeScoreIgnore('container-image-pull-policy'), ...checkovSkip(...CHECKOV_CHECKS) };
    expect(checkovReads(annotations).map((s) => s.id)).toEqual(CHECKOV_CHECKS);
    expect(annotations['kube-score/ignore']).toBe('container-image-pull-policy');
  });

  test('a check given twice is refused (it would be two annotations for one choice)', () => {
    expect(() => checkovSkip('CKV_K8S_15', 'CKV_K8S_15')).toThrow(/given twice/);
  });

  test("where the choice is kube-score's, the reason is kube-score's, word for word", () => {
    expect(CHECKOV_REASONS.CKV_K8S_15).toBe(KUBE_SCORE_REASONS['container-image-pull-policy']);
    expect(CHECKOV_REASONS.CKV_K8S_40).toBe(KUBE_SCORE_REASONS['container-security-context-user-group-id']);
  });

  test('every reason is one non-empty line without "=" (Checkov splits the value at "=")', () => {
    for (const reason of Object.values(CHECKOV_REASONS)) expect(reason).toMatch(/^[^\n=]{10,}$/);
  });

  test('every id is a Checkov Kubernetes check id', () => {
    for (const id of CHECKOV_CHECKS) expect(id).toMatch(/^CKV_K8S_\d+$/);
  });
});

describe('the Checkov skips the constructs put on their objects', () => {
  /** The check ids of each workload's checkov.io/skipN annotations, by kind/name. */
  function skips(images: { app: string; db: string }, worker = false, secretEnv = false): Record<string, string[]> {
    const chart = testChart();
    const admin = { role: 'a', secretName: 'a' };
    const config = postgresConfig({ image: images.db });
    new PgvectorPostgres(chart, 'db', { name: 'db', config, database: 'd', admin, initScriptsDir: NO_INIT_SCRIPTS });
    new PythonService(chart, 'app', {
      ...minimalApi('app'),
      identity: { name: 'app', component: worker ? 'worker' : 'api', version: '1' },
      image: images.app,
      env: secretEnv ? { TOKEN: { secret: 's', key: 'k' } } : {},
      ...(worker ? { http: undefined, execProbe: ['true'] } : {}),
      waitFor: { host: 'db', port: 5432, image: images.db },
    });
    const out: Record<string, string[]> = {};
    for (const o of synth(chart).filter((o) => ['Deployment', 'StatefulSet', 'CronJob'].includes(o.kind))) {
      const entries = Object.entries<string>(o.metadata.annotations ?? {}).filter(([k]) => k.startsWith('checkov.io/skip'));
      for (const [, v] of entries) expect(v).toBe(`${v.split('=')[0]}=${CHECKOV_REASONS[v.split('=')[0] as CheckovCheck]}`);
      out[`${o.kind}/${o.metadata.name}`] = entries.map(([, v]) => v.split('=')[0]);
    }
    return out;
  }
  const DIGEST = '@sha256:' + 'a'.repeat(64);

  test('images by tag: pull policy and digest silenced everywhere; uid 999 on the database and its backup', () => {
    expect(skips({ app: 'app:1', db: 'pg:17' })).toEqual({
      'StatefulSet/db': ['CKV_K8S_15', 'CKV_K8S_43', 'CKV_K8S_40'],
      'CronJob/db-backup': ['CKV_K8S_15', 'CKV_K8S_43', 'CKV_K8S_40'],
      'Deployment/app': ['CKV_K8S_15', 'CKV_K8S_43'],
    });
  });

  test('images by digest: nothing to silence about them', () => {
    expect(skips({ app: `app${DIGEST}`, db: `pg${DIGEST}` })).toEqual({
      'StatefulSet/db': ['CKV_K8S_40'],
      'CronJob/db-backup': ['CKV_K8S_40'],
      'Deployment/app': [],
    });
  });

  test('a Secret in the environment and a worker without readiness probe are silenced only where they are', () => {
    const found = skips({ app: `app${DIGEST}`, db: `pg${DIGEST}` }, true, true);
    expect(found['Deployment/app']).toEqual(['CKV_K8S_35', 'CKV_K8S_9']);
    expect(found['CronJob/db-backup']).toEqual(['CKV_K8S_40']);
  });
});
