/**
 * Drains and spread: a Deployment with more than one replica gets a PodDisruptionBudget of one
 * (maxUnavailable: 1) and a spread over the nodes; one with a single replica gets neither (a
 * budget there would block every drain of its node). In every environment, and for any replicas.
 */
import fc from 'fast-check';
import { PythonService } from '../charts/constructs/python-service';
import { SYSTEMS } from '../app/registry';
import { minimalApi, synth, testChart } from './support/construct-chart';
import { ENVIRONMENTS, objectsOf } from './support/synth';

/** Whether a label selector selects the pods of a Deployment. */
const selects = (selector: any, deployment: any) =>
  Object.entries(selector.matchLabels).every(([k, v]) => deployment.spec.template.metadata.labels[k] === v);

function expectDrainable(objects: any[]): number {
  const deployments = objects.filter((o) => o.kind === 'Deployment');
  const budgets = objects.filter((o) => o.kind === 'PodDisruptionBudget');
  for (const d of deployments) {
    const many = (d.spec.replicas ?? 1) > 1;
    const own = budgets.filter((b) => selects(b.spec.selector, d));
    expect([d.metadata.name, own.map((b) => b.spec)]).toEqual([
      d.metadata.name,
      many ? [{ maxUnavailable: 1, selector: { matchLabels: d.spec.selector.matchLabels } }] : [],
    ]);
    expect([d.metadata.name, d.spec.template.spec.topologySpreadConstraints]).toEqual([
      d.metadata.name,
      many
        ? [
            {
              maxSkew: 1,
              topologyKey: 'kubernetes.io/hostname',
              whenUnsatisfiable: 'DoNotSchedule',
              nodeTaintsPolicy: 'Honor',
              labelSelector: { matchLabels: d.spec.selector.matchLabels },
            },
          ]
        : undefined,
    ]);
  }
  // No budget selects anything but its own Deployment's pods.
  for (const b of budgets)
    expect([b.metadata.name, deployments.filter((d) => selects(b.spec.selector, d)).length]).toEqual([b.metadata.name, 1]);
  return deployments.filter((d) => d.spec.replicas > 1).length;
}

test.each(ENVIRONMENTS.flatMap((env) => SYSTEMS.map((s) => [env, s.name])))(
  '%s/%s: a budget and a spread exactly where replicas > 1',
  (env, system) => {
    expectDrainable(objectsOf(env, system));
  },
);

test('ha runs some APIs with two replicas, so the rule is exercised on committed output', () => {
  expect(SYSTEMS.map((s) => expectDrainable(objectsOf('ha', s.name))).reduce((a, b) => a + b, 0)).toBeGreaterThan(0);
});

test('for any replicas (0 to 20), PythonService gives a budget and a spread exactly when there is more than one', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 20 }), (replicas) => {
      const chart = testChart();
      new PythonService(chart, 'api', minimalApi('api', replicas));
      const objects = synth(chart);
      expect(objects.some((o) => o.kind === 'PodDisruptionBudget')).toBe(replicas > 1);
      expectDrainable(objects);
    }),
    { numRuns: 40, seed: 20261122 },
  );
});
