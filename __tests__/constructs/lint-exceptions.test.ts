/** kube-score exceptions: each silenced check has its one-line reason on the object, and every known exception is used. */
import { PgvectorPostgres } from '../../charts/constructs/pgvector-postgres';
import { PythonService } from '../../charts/constructs/python-service';
import { KUBE_SCORE_REASONS, KubeScoreCheck, kubeScoreIgnore } from '../../charts/constructs/lint-exceptions';
import { NO_INIT_SCRIPTS, SMALL_RESOURCES, postgresConfig, synth, testChart } from '../support/construct-chart';

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
    new PythonService(chart, 'api', {
      identity: { name: 'api', component: 'api', version: '1' },
      image: 'a:1',
      replicas: 1,
      env: {},
      resources: SMALL_RESOURCES,
      http: { port: 80, healthPath: '/' },
      waitFor: { host: 'db', port: 5432, image: 'pg:17' },
    });
    const annotated = synth(chart)
      .map((o) => o.metadata.annotations ?? {})
      .filter((a) => a['kube-score/ignore']);
    expect(annotated.map((a) => a['kube-score/ignore'])).toEqual([
      'container-image-pull-policy,container-security-context-user-group-id',
      'container-image-pull-policy,container-security-context-user-group-id',
      'container-image-pull-policy,deployment-replicas',
    ]);
    for (const a of annotated) expect(a).toEqual(kubeScoreIgnore(...(a['kube-score/ignore'].split(',') as KubeScoreCheck[])));
    expect(new Set(annotated.flatMap((a) => a['kube-score/ignore'].split(',')))).toEqual(new Set(CHECKS));
  });
});
