/**
 * Argo CD: the Applications point at folders that exist, the AppProject allows exactly what
 * the systems use, and sync waves order an empty cluster's first sync.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { readManifests } from '../lib/dist';
import { ENVIRONMENTS, REPO, loadConfig, podTemplates } from './support/synth';
import { parseEnvironment } from '../app/environment';
import { SYSTEMS } from '../app/registry';
import { SYNC_OPTIONS, SYNC_WAVE } from '../app/sync-waves';
import { synthesizeArgoCd, synthesizeObjects } from '../app/synth';
import { KUSTOMIZATION, KubeObject } from '../lib/manifests';
import { Resource, asResource, destinationRefusal, resourceRefusal, sourcePermitted } from './support/argocd-rules';

/** The committed objects of a dist/ folder. */
const folderObjects = (folder: string): any[] => readManifests(path.join(REPO, folder));

const wave = (o: any) => Number(o.metadata.annotations?.[SYNC_WAVE]);

describe.each(ENVIRONMENTS)('%s', (env) => {
  const argo = folderObjects(`dist/${env}/argocd`);
  const applications = argo.filter((o) => o.kind === 'Application');
  const config = loadConfig(env);

  test('one Application per system and a root app-of-apps, all from the configured repository and revision', () => {
    expect(applications.map((a) => a.metadata.name).sort()).toEqual(
      [...SYSTEMS.map((s) => s.name), `${config.argocd.project}-root`].sort(),
    );
    for (const app of applications) {
      expect(app.metadata.namespace).toBe(config.argocd.namespace);
      expect(app.spec.source).toMatchObject({ repoURL: config.argocd.repoURL, targetRevision: config.argocd.targetRevision });
      expect(app.spec.syncPolicy.automated).toEqual({ prune: true, selfHeal: true });
      expect(app.spec.syncPolicy.retry.backoff).toBeDefined();
    }
    expect(applications.find((a) => a.metadata.name.endsWith('-root')).spec.source.path).toBe(`dist/${env}/argocd`);
  });

  test("every Application's path exists in the repository and holds a kustomization", () => {
    for (const app of applications) {
      const kustomization = path.join(REPO, app.spec.source.path, KUSTOMIZATION);
      expect([app.metadata.name, fs.existsSync(kustomization)]).toEqual([app.metadata.name, true]);
    }
  });

  // The AppProjects are the cluster admin's, in bootstrap/: nothing the root app syncs can widen them.
  const bootstrap = folderObjects(`dist/${env}/bootstrap`);
  const project = bootstrap.find((o) => o.kind === 'AppProject' && o.metadata.name === config.argocd.project);
  const rootProject = bootstrap.find((o) => o.kind === 'AppProject' && o.metadata.name === `${config.argocd.project}-root`);
  const systemFolders = SYSTEMS.map((s) => ({
    app: applications.find((a) => a.metadata.name === s.name),
    objects: folderObjects(`dist/${env}/${s.name}`),
  }));
  const IN_CLUSTER = 'https://kubernetes.default.svc';

  test("the AppProject allows this repository, the systems' namespaces and exactly the kinds they use", () => {
    expect(project.spec.sourceRepos).toEqual([config.argocd.repoURL]);
    const namespaces = systemFolders.map(({ objects }) => objects.find((o) => o.kind === 'Namespace').metadata.name).sort();
    expect(project.spec.destinations.map((d: any) => d.namespace).sort()).toEqual(namespaces);
    const used = new Set(systemFolders.flatMap((f) => f.objects).map((o) => `${asResource(o, '', false).group}/${o.kind}`));
    const allowed = new Set(
      [...project.spec.clusterResourceWhitelist, ...project.spec.namespaceResourceWhitelist].map((k: any) => `${k.group}/${k.kind}`),
    );
    expect([...allowed].sort()).toEqual([...used].sort());
    expect(project.spec.clusterResourceWhitelist).toEqual(namespaces.map((name) => ({ group: '', kind: 'Namespace', name })));
    for (const app of applications.filter((a) => !a.metadata.name.endsWith('-root'))) expect(app.spec.project).toBe(project.metadata.name);
  });

  test("the systems' project admits every object of the system folders, each through its own Application", () => {
    for (const { app, objects } of systemFolders) {
      expect(sourcePermitted(project, app.spec.source.repoURL)).toBe(true);
      expect(destinationRefusal(project, app.spec.destination)).toBeUndefined();
      const refusals = objects.map((o) => resourceRefusal(project, asResource(o, app.spec.destination.namespace, o.kind === 'Namespace')));
      expect(refusals.filter(Boolean)).toEqual([]);
    }
  });

  test("the systems' project refuses kube-system, Argo CD's namespace and any other Namespace", () => {
    expect(destinationRefusal(project, { server: IN_CLUSTER, namespace: 'kube-system' })).toMatch(/not one of/);
    expect(destinationRefusal(project, { server: IN_CLUSTER, namespace: config.argocd.namespace })).toMatch(/not one of/);
    for (const name of ['kube-system', 'kube-public', 'default', config.argocd.namespace, 'booksync2', 'sealed-secrets']) {
      expect([name, resourceRefusal(project, { group: '', kind: 'Namespace', name })]).toEqual([
        name,
        `cluster-scoped /Namespace ${name} is not whitelisted`,
      ]);
    }
    const np = { group: 'networking.k8s.io', kind: 'NetworkPolicy', name: 'allow-all' };
    expect(resourceRefusal(project, { ...np, namespace: 'kube-system' })).toMatch(/namespace not permitted/);
    expect(resourceRefusal(project, { group: 'rbac.authorization.k8s.io', kind: 'ClusterRoleBinding', name: 'x' })).toMatch(
      /not whitelisted/,
    );
    expect(resourceRefusal(project, { group: 'rbac.authorization.k8s.io', kind: 'RoleBinding', name: 'x', namespace: 'booksync' })).toMatch(
      /kind not whitelisted/,
    );
  });

  test("the root project admits the root folder and nothing but Applications in Argo CD's namespace: no AppProject", () => {
    const root = applications.find((a) => a.metadata.name.endsWith('-root'));
    expect(root.spec.project).toBe(rootProject.metadata.name);
    expect(rootProject.spec.sourceRepos).toEqual([config.argocd.repoURL]);
    expect(rootProject.spec.destinations).toEqual([{ server: IN_CLUSTER, namespace: config.argocd.namespace }]);
    expect(destinationRefusal(rootProject, root.spec.destination)).toBeUndefined();
    expect(argo.map((o) => resourceRefusal(rootProject, asResource(o, config.argocd.namespace, false))).filter(Boolean)).toEqual([]);
    const ns = config.argocd.namespace;
    const refused: Resource[] = [
      { group: '', kind: 'Namespace', name: 'kube-system' },
      { group: '', kind: 'Namespace', name: ns },
      { group: 'rbac.authorization.k8s.io', kind: 'ClusterRoleBinding', name: 'cluster-admin-for-me' },
      { group: 'apiextensions.k8s.io', kind: 'CustomResourceDefinition', name: 'x.example.com' },
      { group: '', kind: 'Secret', name: 'argocd-secret', namespace: ns },
      { group: '', kind: 'ConfigMap', name: 'argocd-cm', namespace: ns },
      { group: 'rbac.authorization.k8s.io', kind: 'RoleBinding', name: 'x', namespace: ns },
      { group: 'apps', kind: 'Deployment', name: 'x', namespace: ns },
      { group: 'argoproj.io', kind: 'Application', name: 'x', namespace: 'kube-system' },
      { group: 'argoproj.io', kind: 'ApplicationSet', name: 'x', namespace: ns },
      // A push to dist/<env>/argocd/ that widens a project (or adds one) is refused.
      { group: 'argoproj.io', kind: 'AppProject', name: config.argocd.project, namespace: ns },
      { group: 'argoproj.io', kind: 'AppProject', name: 'mine', namespace: ns },
    ];
    for (const r of refused) expect([r, resourceRefusal(rootProject, r)]).toEqual([r, expect.any(String)]);
    expect(destinationRefusal(rootProject, { server: IN_CLUSTER, namespace: 'kube-system' })).toMatch(/not one of/);
    expect(argo.filter((o) => o.kind !== 'Application')).toEqual([]);
  });

  test("the bootstrap folder holds the cluster admin's guard (system Namespaces stay restricted, whoever applies) and the projects", () => {
    expect(bootstrap.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      `ValidatingAdmissionPolicy/${config.argocd.project}-restricted-namespaces`,
      `ValidatingAdmissionPolicyBinding/${config.argocd.project}-restricted-namespaces`,
      `AppProject/${config.argocd.project}-root`,
      `AppProject/${config.argocd.project}`,
    ]);
    const [policy, binding] = bootstrap;
    const namespaces = systemFolders.map(({ objects }) => `'${objects.find((o) => o.kind === 'Namespace').metadata.name}'`).sort();
    expect(policy.spec.matchConditions).toEqual([
      { name: 'a-system-namespace', expression: `object.metadata.name in [${namespaces.join(', ')}]` },
    ]);
    expect(policy.spec.matchConstraints.resourceRules).toEqual([
      { apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['namespaces'] },
    ]);
    expect(policy.spec.validations.map((v: any) => v.expression)).toEqual([
      expect.stringContaining("object.metadata.labels['pod-security.kubernetes.io/enforce'] == 'restricted'"),
    ]);
    expect([policy.spec.failurePolicy, binding.spec]).toEqual(['Fail', { policyName: policy.metadata.name, validationActions: ['Deny'] }]);
    // Every system Namespace passes it as synthesized; Argo CD never applies it (the root project admits no cluster-scoped kind).
    for (const { objects } of systemFolders)
      expect(objects.find((o) => o.kind === 'Namespace').metadata.labels['pod-security.kubernetes.io/enforce']).toBe('restricted');
    for (const o of bootstrap)
      expect(resourceRefusal(rootProject, asResource(o, config.argocd.namespace, true))).toMatch(/not whitelisted/);
  });

  test('Argo CD never prunes or deletes a system Namespace (it would take the database claims with it)', () => {
    for (const { objects } of systemFolders)
      expect(objects.find((o) => o.kind === 'Namespace').metadata.annotations[SYNC_OPTIONS]).toBe('Prune=false,Delete=false');
  });

  test.each(SYSTEMS.map((s) => s.name))(
    '%s: every object has a sync wave, in the order namespace/secrets, Postgres, apps, Ingress',
    (system) => {
      const objects = folderObjects(`dist/${env}/${system}`);
      for (const o of objects) expect([o.kind, o.metadata.name, Number.isInteger(wave(o))]).toEqual([o.kind, o.metadata.name, true]);
      const waveOf = (kind: string, component?: string) =>
        objects.filter((o) => o.kind === kind && (!component || o.metadata.labels['app.kubernetes.io/component'] === component)).map(wave);
      const first = [...waveOf('Namespace'), ...waveOf('NetworkPolicy'), ...waveOf('SealedSecret')];
      // Postgres on either engine: every object labelled as the database (a StatefulSet or a Cluster and what goes with it).
      const database = objects.filter((o) => o.metadata.labels?.['app.kubernetes.io/component'] === 'database').map(wave);
      expect([database.length > 0, first.length > 0]).toEqual([true, true]);
      const apps = [...waveOf('Deployment'), ...waveOf('Service', 'api')];
      const ingress = waveOf('Ingress');
      // The alerts and dashboard come last, with the Ingress (they watch what the earlier waves made).
      for (const w of [...waveOf('PodMonitor'), ...waveOf('PrometheusRule'), ...waveOf('ConfigMap', 'monitoring')])
        expect(w).toBeGreaterThan(Math.max(...apps));
      expect(Math.max(...first)).toBeLessThan(Math.min(...database));
      expect(Math.max(...database)).toBeLessThan(Math.min(...apps));
      if (ingress.length > 0) expect(Math.max(...apps)).toBeLessThan(Math.min(...ingress));
    },
  );

  test.each(SYSTEMS.map((s) => s.name))(
    '%s: a pod never waits for a ConfigMap or Secret of a later wave; claims ride with their pod',
    (system) => {
      const objects = folderObjects(`dist/${env}/${system}`);
      const waveOfNamed = (kind: string, name: string) => objects.filter((o) => o.kind === kind && o.metadata.name === name).map(wave)[0];
      for (const { owner, template } of podTemplates(objects)) {
        const text = JSON.stringify(template);
        for (const o of objects.filter((x) => ['ConfigMap', 'SealedSecret'].includes(x.kind))) {
          if (text.includes(`"name":"${o.metadata.name}"`)) expect(waveOfNamed(o.kind, o.metadata.name)).toBeLessThanOrEqual(wave(owner));
        }
        for (const claim of (owner as any).spec.volumeClaimTemplates ?? []) expect(claim.metadata.annotations?.[SYNC_WAVE]).toBeUndefined();
      }
    },
  );

  test.each(SYSTEMS.map((s) => s.name))(
    '%s: Argo CD never prunes or deletes what holds keys (sealed mode puts them in dist/)',
    (system) => {
      const keys = folderObjects(`dist/${env}/${system}`).filter((x) => x.kind === 'Secret' || x.kind === 'SealedSecret');
      expect(keys.length > 0).toBe(config.secrets.mode === 'sealed');
      for (const o of keys) expect(o.metadata.annotations[SYNC_OPTIONS]).toBe('Prune=false,Delete=false');
    },
  );

  test.each(SYSTEMS.map((s) => s.name))('%s: files in name order put the Namespace first, for kubectl apply -f', (system) => {
    const files = fs
      .readdirSync(path.join(REPO, 'dist', env, system))
      .filter((f) => f.endsWith('.yaml'))
      .sort();
    expect(YAML.parse(fs.readFileSync(path.join(REPO, 'dist', env, system, files[0]), 'utf8')).kind).toBe('Namespace');
  });
});

describe('Argo CD configured', () => {
  test('repository, revision, Argo CD namespace and dist path come from config', () => {
    const config = parseEnvironment(
      {
        argocd: { repoURL: 'https://example.org/me/gitops.git', targetRevision: 'v2', namespace: 'gitops', distPath: '', project: 'home' },
      },
      'test',
    );
    const objects: KubeObject[] = synthesizeArgoCd('prod', config, synthesizeObjects(config));
    const app: any = objects.find((o) => o.metadata.name === 'booksync');
    expect(app.metadata.namespace).toBe('gitops');
    expect(app.spec.project).toBe('home');
    expect(app.spec.source).toEqual({ repoURL: 'https://example.org/me/gitops.git', targetRevision: 'v2', path: 'prod/booksync' });
  });

  test('a bad repository URL or revision is refused with the field named', () => {
    expect(() => parseEnvironment({ argocd: { repoURL: 'not a url' } }, 'c.yaml')).toThrow('c.yaml: argocd.repoURL');
    expect(() => parseEnvironment({ argocd: { targetRevision: 'feature/x' } }, 'c.yaml')).toThrow('c.yaml: argocd.targetRevision');
  });
});
