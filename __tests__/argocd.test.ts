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

  test("the AppProject allows this repository, the systems' namespaces and exactly the kinds they use", () => {
    const project = argo.find((o) => o.kind === 'AppProject');
    expect(project.spec.sourceRepos).toEqual([config.argocd.repoURL]);
    const systems = SYSTEMS.map((s) => folderObjects(`dist/${env}/${s.name}`));
    expect(project.spec.destinations.map((d: any) => d.namespace).sort()).toEqual(
      systems.map((objs) => objs.find((o) => o.kind === 'Namespace').metadata.name).sort(),
    );
    const used = new Set(systems.flat().map((o) => `${o.apiVersion.includes('/') ? o.apiVersion.split('/')[0] : ''}/${o.kind}`));
    const allowed = [...project.spec.clusterResourceWhitelist, ...project.spec.namespaceResourceWhitelist].map(
      (k: any) => `${k.group}/${k.kind}`,
    );
    expect(allowed.sort()).toEqual([...used].sort());
    expect(project.spec.clusterResourceWhitelist).toEqual([{ group: '', kind: 'Namespace' }]);
    for (const app of applications.filter((a) => !a.metadata.name.endsWith('-root'))) expect(app.spec.project).toBe(project.metadata.name);
  });

  test.each(SYSTEMS.map((s) => s.name))(
    '%s: every object has a sync wave, in the order namespace/secrets, Postgres, apps, Ingress',
    (system) => {
      const objects = folderObjects(`dist/${env}/${system}`);
      for (const o of objects) expect([o.kind, o.metadata.name, Number.isInteger(wave(o))]).toEqual([o.kind, o.metadata.name, true]);
      const waveOf = (kind: string, component?: string) =>
        objects.filter((o) => o.kind === kind && (!component || o.metadata.labels['app.kubernetes.io/component'] === component)).map(wave);
      const first = [...waveOf('Namespace'), ...waveOf('NetworkPolicy'), ...waveOf('SealedSecret')];
      const database = [...waveOf('StatefulSet'), ...waveOf('ConfigMap'), ...waveOf('Service', 'database')];
      const apps = [...waveOf('Deployment'), ...waveOf('Service', 'api')];
      const ingress = waveOf('Ingress');
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
