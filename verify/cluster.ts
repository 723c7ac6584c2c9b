/**
 * npm run verify:cluster
 *
 * dist/ against a real Kubernetes 1.34 control plane, the way controller-runtime's envtest
 * runs one, but for our manifests: kine (k3s' SQLite datastore), kube-apiserver with Pod
 * Security Admission, and kube-controller-manager, all on 127.0.0.1 with generated
 * certificates, service-account keys and a static admin token. No kubelet or scheduler:
 * pods are created and admitted, never run.
 *
 * For each environment, twice on a fresh control plane (once with `kubectl apply -f` of each
 * folder, once with `kubectl apply -k`): install the CRDs of ../shared/crds, apply every
 * folder in one pass with server-side apply and strict field validation, let the controllers
 * create ReplicaSets, Pods and claims (and a Job from each CronJob), then fail on any
 * rejected object, any "Warning:" from the server, any FailedCreate event; re-apply and
 * require no drift; delete each StatefulSet and require its claims to stay. A self-test
 * applies a pod that asks for root into a restricted namespace and requires it refused.
 * Everything is stopped and removed at the end, also on failure or Ctrl-C.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as YAML from 'yaml';
import { readManifests } from '../lib/dist';
import { REPO, requireCommand, run } from './check';
import { ControlPlane, installCrds, kubectl, kubectlJson, sleep, startControlPlane, stopAll, waitFor } from './control-plane';
import { loadEnvironment } from '../app/environment';
import { pitrCluster } from '../app/pitr';
import { SYSTEMS } from '../app/registry';
import { listEnvironments } from '../lib/config-file';

/** generation where the object has one (spec changes only), else resourceVersion. */
async function versions(cp: ControlPlane, objects: any[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const o of objects) {
    const live = await kubectlJson(
      cp,
      'get',
      `${o.kind}.${o.apiVersion.includes('/') ? o.apiVersion.split('/')[0] : ''}`.replace(/\.$/, ''),
      o.metadata.name,
      ...(o.metadata.namespace ? ['-n', o.metadata.namespace] : []),
    );
    out.set(
      `${o.kind}/${o.metadata.namespace ?? ''}/${o.metadata.name}`,
      String(live.metadata.generation ?? live.metadata.resourceVersion),
    );
  }
  return out;
}

interface FolderReport {
  readonly folder: string;
  readonly applied: number;
  readonly pods: string[];
}

/** Applies one folder in one pass (`-f` or `-k`), strict, server-side; returns the problems. */
async function applyFolder(cp: ControlPlane, folder: string, how: '-f' | '-k', problems: string[]): Promise<number> {
  const r = await kubectl(cp, 'apply', '--server-side', '--field-manager=verify-cluster', '--validate=strict', how, folder);
  const rel = path.relative(REPO, folder);
  if (r.code !== 0) problems.push(`${rel}: kubectl apply ${how} failed:\n${r.stderr.trim()}`);
  problems.push(...r.warnings.map((w) => `${rel}: ${w}`));
  return r.stdout.split('\n').filter((l) => / (serverside-applied|created|configured|unchanged)$/.test(l)).length;
}

/**
 * The AppProjects as the API server stored them: every rule of the committed files kept (an older
 * Argo CD CRD without clusterResourceWhitelist[].name would prune the name and open every Namespace).
 */
async function checkProjects(cp: ControlPlane, folder: string, namespace: string, problems: string[]): Promise<number> {
  const committed = readManifests(folder).filter((o) => o.kind === 'AppProject');
  for (const project of committed) {
    const live = await kubectlJson(cp, 'get', 'appprojects.argoproj.io', project.metadata.name, '-n', namespace);
    for (const field of ['sourceRepos', 'destinations', 'clusterResourceWhitelist', 'namespaceResourceWhitelist'] as const)
      if (JSON.stringify(live.spec[field] ?? []) !== JSON.stringify(project.spec[field] ?? []))
        problems.push(`AppProject ${project.metadata.name}: the API server stored spec.${field} as ${JSON.stringify(live.spec[field])}`);
  }
  return committed.length;
}

/** What the controllers made of one system: its pods, and its StatefulSets' claims. */
async function checkControllers(cp: ControlPlane, namespace: string, objects: any[], problems: string[]): Promise<string[]> {
  for (const cron of objects.filter((o) => o.kind === 'CronJob')) {
    const r = await kubectl(cp, '-n', namespace, 'create', 'job', `${cron.metadata.name}-verify`, `--from=cronjob/${cron.metadata.name}`);
    if (r.code !== 0) problems.push(`${namespace}: a Job from CronJob ${cron.metadata.name} was refused: ${r.stderr.trim()}`);
    problems.push(...r.warnings.map((w) => `${namespace}: job from ${cron.metadata.name}: ${w}`));
  }
  const expected = objects.flatMap((o) => {
    if (o.kind === 'Deployment')
      return [{ owner: `Deployment/${o.metadata.name}`, count: o.spec.replicas ?? 1, selector: o.spec.selector.matchLabels }];
    if (o.kind === 'StatefulSet')
      return [{ owner: `StatefulSet/${o.metadata.name}`, count: o.spec.replicas ?? 1, selector: o.spec.selector.matchLabels }];
    if (o.kind === 'CronJob')
      return [{ owner: `CronJob/${o.metadata.name}`, count: 1, selector: { 'app.kubernetes.io/name': o.metadata.name } }];
    return [];
  });
  const pods: any[] = await waitFor(`the pods of ${namespace}`, 90, async () => {
    const items = (await kubectlJson(cp, '-n', namespace, 'get', 'pods')).items;
    const complete = expected.every(
      (e) => items.filter((p: any) => Object.entries(e.selector).every(([k, v]) => p.metadata.labels?.[k] === v)).length >= e.count,
    );
    return complete ? items : undefined;
  }).catch((error: Error) => {
    problems.push(`${namespace}: ${error.message}`);
    return [];
  });
  for (const sts of objects.filter((o) => o.kind === 'StatefulSet')) {
    for (const template of sts.spec.volumeClaimTemplates ?? []) {
      const claim = `${template.metadata.name}-${sts.metadata.name}-0`;
      if ((await kubectl(cp, '-n', namespace, 'get', 'pvc', claim)).code !== 0)
        problems.push(`${namespace}: StatefulSet ${sts.metadata.name} made no claim ${claim}`);
    }
  }
  return pods.map((p) => p.metadata.name).sort();
}

/** The StorageClass k3s ships, as k3s defines it (binding waits for the pod's node). */
function localPathClass(name: string): object {
  return {
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: { name, annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
    provisioner: 'rancher.io/local-path',
    reclaimPolicy: 'Delete',
    volumeBindingMode: 'WaitForFirstConsumer',
  };
}

async function applyStdin(cp: ControlPlane, object: object): Promise<void> {
  const r = await run('kubectl', ['--kubeconfig', cp.kubeconfig, 'apply', '--server-side', '-f', '-'], { input: JSON.stringify(object) });
  if (r.code !== 0) throw new Error(`could not apply ${JSON.stringify(object).slice(0, 80)}: ${r.stderr}`);
}

/**
 * FailedCreate and other warning events in the given namespaces (the control plane's own
 * bootstrap chatter in default and kube-system is not ours). Pods wait for a scheduler that
 * is not there (FailedScheduling), and the CronJob controller remarks on the Job this check
 * makes by hand from each CronJob (UnexpectedJob): both expected here.
 */
async function failedEvents(cp: ControlPlane, namespaces: string[]): Promise<string[]> {
  const events = (await kubectlJson(cp, 'get', 'events', '--all-namespaces')).items.filter((e: any) =>
    namespaces.includes(e.involvedObject.namespace),
  );
  // FailedScheduling: no kubelet here. UnexpectedJob: our own Jobs from the CronJobs. ClusterIPNotAllocated: the
  // API server's IP repair loop racing a Service created while it runs (a known race of a fresh control plane,
  // about its allocator's bitmap, not the Service: the IP is kept and the event says "repairing").
  const expected = (e: any) =>
    e.reason === 'FailedScheduling' ||
    (e.reason === 'UnexpectedJob' && e.message.includes('-verify')) ||
    (e.reason === 'ClusterIPNotAllocated' && e.message.includes('repairing'));
  return events
    .filter((e: any) => e.reason === 'FailedCreate' || (e.type === 'Warning' && !expected(e)))
    .map((e: any) => `${e.involvedObject.namespace}/${e.involvedObject.kind}/${e.involvedObject.name}: ${e.reason}: ${e.message}`);
}

/** Deletes each StatefulSet and requires its claims to stay (persistentVolumeClaimRetentionPolicy). */
async function checkClaimsKept(cp: ControlPlane, namespace: string, objects: any[], problems: string[]): Promise<number> {
  let kept = 0;
  for (const sts of objects.filter((o) => o.kind === 'StatefulSet')) {
    await kubectl(cp, '-n', namespace, 'delete', 'statefulset', sts.metadata.name, '--wait=true');
    await sleep(3000); // the garbage collector's chance to take what it would
    for (const template of sts.spec.volumeClaimTemplates ?? []) {
      const claim = `${template.metadata.name}-${sts.metadata.name}-0`;
      if ((await kubectl(cp, '-n', namespace, 'get', 'pvc', claim)).code === 0) kept++;
      else problems.push(`${namespace}: deleting StatefulSet ${sts.metadata.name} deleted its claim ${claim}`);
    }
  }
  return kept;
}

/**
 * The check of the check: a Deployment whose pod asks to run as root, in a namespace that
 * enforces "restricted", must come back as a warning and a FailedCreate.
 */
async function selfTest(cp: ControlPlane, dir: string): Promise<string> {
  const deployments = SYSTEMS.flatMap((s) => readManifests(path.join(REPO, 'dist', 'prod', s.name))).filter((o) => o.kind === 'Deployment');
  if (deployments.length === 0) throw new Error('self-test: dist/prod has no Deployment to turn into a root pod');
  const sample = deployments[0];
  const ns = 'verify-self-test';
  const namespace = {
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: ns, labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } },
  };
  sample.metadata.namespace = ns;
  sample.spec.template.spec.securityContext = { runAsUser: 0 };
  for (const c of sample.spec.template.spec.containers) c.securityContext = { runAsUser: 0, runAsNonRoot: false };
  const folder = path.join(dir, 'self-test');
  fs.mkdirSync(folder);
  fs.writeFileSync(path.join(folder, '00-namespace.yaml'), YAML.stringify(namespace));
  fs.writeFileSync(path.join(folder, '40-deployment.yaml'), YAML.stringify(sample));
  const problems: string[] = [];
  await applyFolder(cp, folder, '-f', problems);
  const failed = await waitFor('the root pod to be refused', 60, async () => {
    const events = (await failedEvents(cp, [ns])).filter((e) => e.includes('FailedCreate'));
    return events.length > 0 ? events : undefined;
  }).catch(() => []);
  if (problems.length === 0 || failed.length === 0) {
    throw new Error(
      'self-test: a pod asking for root in a restricted namespace was not caught ' +
        `(warnings: ${problems.length}, FailedCreate events: ${failed.length})`,
    );
  }
  await kubectl(cp, 'delete', 'namespace', ns, '--wait=false');
  return `a root pod in a restricted namespace caught (${problems.length} warning(s), ${failed.length} FailedCreate)`;
}

/**
 * The bootstrap's ValidatingAdmissionPolicy in force (compiled asynchronously after it is made,
 * hence the wait): no system Namespace can be relabelled out of Pod Security `restricted` or lose
 * the label, by anyone; a Namespace that is not a system's can. Returns the refusals.
 */
async function checkNamespaceGuard(cp: ControlPlane, namespaces: string[], problems: string[]): Promise<number> {
  const ENFORCE = 'pod-security.kubernetes.io/enforce';
  let refused = 0;
  for (const ns of namespaces) {
    for (const change of [`${ENFORCE}=privileged`, `${ENFORCE}-`]) {
      const refusal = await waitFor(`a refusal of "${change}" on Namespace ${ns}`, 30, async () => {
        const r = await kubectl(cp, 'label', 'namespace', ns, change, '--overwrite');
        if (r.code === 0) {
          // Let through before the policy was ready: put it back, and try again.
          await kubectl(cp, 'label', 'namespace', ns, `${ENFORCE}=restricted`, '--overwrite');
          return undefined;
        }
        return r.stderr;
      }).catch((e: Error) => e.message);
      if (/ValidatingAdmissionPolicy .*restricted-namespaces/.test(refusal)) refused++;
      else problems.push(`Namespace ${ns}: "kubectl label ${change}" was not refused by the bootstrap's policy: ${refusal.trim()}`);
    }
  }
  const other = await kubectl(cp, 'label', 'namespace', 'default', `${ENFORCE}=baseline`, '--overwrite');
  if (other.code !== 0) problems.push(`the bootstrap's policy also refuses a Namespace that is no system's: ${other.stderr.trim()}`);
  return refused;
}

/**
 * The recovery Cluster `npm run restore -- --pitr` would apply, for each CloudNativePG Cluster: the
 * API server (the CRD's schema and CEL rules) takes it, server-side dry run, strict, no warning.
 */
async function checkRecoveryClusters(cp: ControlPlane, objects: any[], problems: string[]): Promise<number> {
  let checked = 0;
  for (const cluster of objects.filter((o) => o.kind === 'Cluster')) {
    const recovery = pitrCluster(cluster, '2026-01-02T03:04:05Z');
    const args = ['--kubeconfig', cp.kubeconfig, 'apply', '--server-side', '--dry-run=server', '--validate=strict', '-f', '-'];
    const r = await run('kubectl', args, { input: JSON.stringify(recovery) });
    const warnings = r.stderr.split('\n').filter((l) => l.startsWith('Warning:'));
    if (r.code !== 0 || warnings.length > 0)
      problems.push(`the --pitr recovery of ${cluster.metadata.name} is refused: ${r.stderr.trim()}`);
    else checked++;
  }
  return checked;
}

/** One environment on a fresh control plane, applied with `-f` or `-k`. */
async function verifyEnvironment(
  env: string,
  how: '-f' | '-k',
  dir: string,
  selfTestToo: boolean,
): Promise<{ reports: FolderReport[]; kept: number; projects: number; guarded: number; recoveries: number; selfTest?: string }> {
  const cp = await startControlPlane(dir);
  const problems: string[] = [];
  const reports: FolderReport[] = [];
  let kept = 0;
  let projects = 0;
  let guarded = 0;
  let recoveries = 0;
  let selfTestLine: string | undefined;
  try {
    await installCrds(cp);
    const config = loadEnvironment(path.join(REPO, 'config'), env);
    // What a k3s cluster has before anything of ours: the Argo CD namespace and k3s' local-path class.
    await kubectl(cp, 'create', 'namespace', config.argocd.namespace);
    await applyStdin(cp, localPathClass(config.cluster.storageClass));
    const folderOf = (name: string) => path.join(REPO, 'dist', env, name);
    const systemFolders = SYSTEMS.map((s) => folderOf(s.name));
    // The bootstrap's cluster-wide policy first, as the README's bootstrap does, then what Argo CD syncs.
    const folders = [folderOf('bootstrap'), ...systemFolders, folderOf('argocd')];
    const applied = new Map<string, number>();
    for (const folder of folders) applied.set(folder, await applyFolder(cp, folder, how, problems));
    projects = await checkProjects(cp, folderOf('bootstrap'), config.argocd.namespace, problems);
    for (const folder of folders) {
      const objects = readManifests(folder);
      const namespace = objects.find((o) => o.kind === 'Namespace')?.metadata.name;
      const pods = namespace ? await checkControllers(cp, namespace, objects, problems) : [];
      reports.push({ folder: path.relative(REPO, folder), applied: applied.get(folder)!, pods });
    }
    const namespaces = folders
      .flatMap(readManifests)
      .map((o) => o.metadata.namespace ?? (o.kind === 'Namespace' ? o.metadata.name : undefined));
    problems.push(...(await failedEvents(cp, [...new Set(namespaces.filter((n): n is string => Boolean(n)))])));
    // No drift: the same output applied again changes nothing.
    const all = folders.flatMap(readManifests);
    const before = await versions(cp, all);
    for (const folder of folders) await applyFolder(cp, folder, how, problems);
    const after = await versions(cp, all);
    for (const [key, version] of before) if (after.get(key) !== version) problems.push(`drift: re-applying changed ${key}`);
    recoveries = await checkRecoveryClusters(cp, systemFolders.flatMap(readManifests), problems);
    const systemNamespaces = systemFolders.map((folder) => readManifests(folder).find((o) => o.kind === 'Namespace').metadata.name);
    guarded = await checkNamespaceGuard(cp, systemNamespaces, problems);
    for (const folder of systemFolders) {
      const objects = readManifests(folder);
      kept += await checkClaimsKept(cp, objects.find((o) => o.kind === 'Namespace').metadata.name, objects, problems);
    }
    if (selfTestToo) selfTestLine = await selfTest(cp, dir);
  } finally {
    await cp.stop();
  }
  if (problems.length > 0)
    throw new Error(`${env} (apply ${how}):\n  ${problems.join('\n  ')}\n(logs of the control plane were in ${cp.logs})`);
  return { reports, kept, projects, guarded, recoveries, selfTest: selfTestLine };
}

async function main(): Promise<void> {
  requireCommand('kubectl', 'install kubectl 1.32 or later');
  requireCommand('openssl', 'apt-get install openssl');
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'verify-cluster-'));
  const cleanup = async () => {
    await stopAll();
    fs.rmSync(root, { recursive: true, force: true });
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => void cleanup().then(() => process.exit(130)));
  let [passed, failed] = [0, 0];
  try {
    let first = true;
    for (const env of listEnvironments(path.join(REPO, 'config'))) {
      for (const how of ['-f', '-k'] as const) {
        const dir = fs.mkdtempSync(path.join(root, `${env}${how}-`));
        try {
          const { reports, kept, projects, guarded, recoveries, selfTest: line } = await verifyEnvironment(env, how, dir, first);
          first = false;
          for (const r of reports)
            console.log(
              `ok   ${r.folder} (apply ${how}): ${r.applied} objects applied, ` +
                `${r.pods.length} pods created${r.pods.length ? `: ${r.pods.join(', ')}` : ''}`,
            );
          console.log(
            `ok   ${env} (apply ${how}): no warning, no FailedCreate, no drift on re-apply, ` +
              `${projects} AppProjects stored with every rule, ${guarded} relabels of a system Namespace out of restricted refused, ` +
              (recoveries > 0 ? `${recoveries} --pitr recovery Clusters accepted (dry run), ` : '') +
              `${kept} claims kept after their StatefulSets were deleted`,
          );
          if (line) console.log(`ok   self-test: ${line}`);
          passed++;
        } catch (error) {
          failed++;
          console.log(`FAIL ${(error as Error).message}`);
        }
      }
    }
  } finally {
    await cleanup();
  }
  console.log(`verify:cluster: ${passed} passed, ${failed} failed`);
  process.exit(failed > 0 ? 1 : 0);
}

void main();
