/**
 * A real Kubernetes 1.34 control plane on 127.0.0.1, the way controller-runtime's envtest runs
 * one: kine (k3s' SQLite datastore), kube-apiserver with Pod Security Admission, and
 * kube-controller-manager, with generated certificates, service-account keys and a static
 * admin token. Used by verify:cluster and by the fuzz check's server-side dry-runs.
 */
import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { ensureTool } from '../lib/tools';
import { REPO, exec, freePort, run } from './check';

export const CRD_DIR = path.join(REPO, '..', 'shared', 'crds');
const TOKEN = 'verify-cluster-admin-token';

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` until it returns a value, or fails after `seconds` with `what`. */
export async function waitFor<T>(what: string, seconds: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${seconds} s waiting for ${what}`);
    await sleep(500);
  }
}

/** Certificates and keys for the API server, made with openssl. */
async function makePki(dir: string): Promise<void> {
  const ssl = (...args: string[]) => exec('openssl', args, { cwd: dir });
  await ssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.crt',
    '-subj',
    '/CN=verify-cluster-ca',
    '-days',
    '1',
  );
  fs.writeFileSync(path.join(dir, 'san.cnf'), 'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes.default.svc\n');
  await ssl('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'apiserver.key', '-out', 'apiserver.csr', '-subj', '/CN=kube-apiserver');
  await ssl(
    'x509',
    '-req',
    '-in',
    'apiserver.csr',
    '-CA',
    'ca.crt',
    '-CAkey',
    'ca.key',
    '-CAcreateserial',
    '-out',
    'apiserver.crt',
    '-days',
    '1',
    '-extfile',
    'san.cnf',
  );
  await ssl('genrsa', '-out', 'sa.key', '2048');
  await ssl('rsa', '-in', 'sa.key', '-pubout', '-out', 'sa.pub');
  fs.writeFileSync(path.join(dir, 'tokens.csv'), `${TOKEN},admin,admin,system:masters\n`);
}

/** A running control plane: its kubeconfig, and how to stop it. */
export interface ControlPlane {
  readonly kubeconfig: string;
  readonly logs: string;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();

/** Starts a process in its own group, logging to a file; remembered so that it is always stopped. */
function start(binary: string, args: string[], log: string): ChildProcess {
  const out = fs.openSync(log, 'a');
  const child = spawn(binary, args, { stdio: ['ignore', out, out], detached: true });
  running.add(child);
  child.on('exit', () => running.delete(child));
  return child;
}

export async function stopAll(): Promise<void> {
  for (const child of [...running].reverse()) {
    try {
      process.kill(-child.pid!, 'SIGTERM');
    } catch {
      /* already gone */
    }
  }
  await waitFor('the control plane to stop', 20, () => Promise.resolve(running.size === 0 ? true : undefined)).catch(() => {
    for (const child of running) process.kill(-child.pid!, 'SIGKILL');
  });
}

export async function startControlPlane(dir: string): Promise<ControlPlane> {
  const [kine, apiserver, controllers] = [
    ensureTool('kine', log),
    ensureTool('kube-apiserver', log),
    ensureTool('kube-controller-manager', log),
  ];
  await makePki(dir);
  const [etcdPort, apiPort] = [await freePort(), await freePort()];
  const logs = path.join(dir, 'logs');
  fs.mkdirSync(logs);
  start(
    kine,
    [`--endpoint=sqlite://${dir}/state.db?_journal=WAL&cache=shared`, `--listen-address=127.0.0.1:${etcdPort}`],
    path.join(logs, 'kine.log'),
  );
  const pki = (f: string) => path.join(dir, f);
  start(
    apiserver,
    [
      `--etcd-servers=http://127.0.0.1:${etcdPort}`,
      '--bind-address=127.0.0.1',
      '--advertise-address=127.0.0.1',
      `--secure-port=${apiPort}`,
      `--tls-cert-file=${pki('apiserver.crt')}`,
      `--tls-private-key-file=${pki('apiserver.key')}`,
      `--client-ca-file=${pki('ca.crt')}`,
      `--token-auth-file=${pki('tokens.csv')}`,
      '--authorization-mode=Node,RBAC',
      '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
      `--service-account-key-file=${pki('sa.pub')}`,
      `--service-account-signing-key-file=${pki('sa.key')}`,
      '--service-cluster-ip-range=10.43.0.0/16', // k3s' default
      '--enable-admission-plugins=NamespaceLifecycle,LimitRanger,ServiceAccount,PodSecurity,DefaultStorageClass,ResourceQuota',
      '--profiling=false',
    ],
    path.join(logs, 'kube-apiserver.log'),
  );
  const kubeconfig = path.join(dir, 'kubeconfig');
  fs.writeFileSync(
    kubeconfig,
    YAML.stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'verify', cluster: { server: `https://127.0.0.1:${apiPort}`, 'certificate-authority': pki('ca.crt') } }],
      users: [{ name: 'admin', user: { token: TOKEN } }],
      contexts: [{ name: 'verify', context: { cluster: 'verify', user: 'admin' } }],
      'current-context': 'verify',
    }),
  );
  await waitFor('kube-apiserver /readyz', 120, async () =>
    (await run('kubectl', ['--kubeconfig', kubeconfig, 'get', '--raw', '/readyz'])).code === 0 ? true : undefined,
  );
  start(
    controllers,
    [
      `--kubeconfig=${kubeconfig}`,
      '--leader-elect=false',
      '--bind-address=127.0.0.1',
      '--secure-port=0',
      `--service-account-private-key-file=${pki('sa.key')}`,
      `--root-ca-file=${pki('ca.crt')}`,
      '--use-service-account-credentials=false',
      '--controllers=*,-nodeipam,-nodelifecycle,-route,-service,-cloud-node-lifecycle',
    ],
    path.join(logs, 'kube-controller-manager.log'),
  );
  return { kubeconfig, logs, stop: stopAll };
}

function log(line: string): void {
  console.error(line);
}

/** kubectl against the control plane: its outcome, with the server's warnings picked out. */
export async function kubectl(
  cp: ControlPlane,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string; warnings: string[] }> {
  const outcome = await run('kubectl', ['--kubeconfig', cp.kubeconfig, ...args]);
  return { ...outcome, warnings: outcome.stderr.split('\n').filter((l) => l.startsWith('Warning:')) };
}

export async function kubectlJson(cp: ControlPlane, ...args: string[]): Promise<any> {
  const { code, stdout, stderr } = await kubectl(cp, ...args, '-o', 'json');
  if (code !== 0) throw new Error(`kubectl ${args.join(' ')}: ${stderr.trim()}`);
  return JSON.parse(stdout);
}

/** Installs the CRDs of ../shared/crds and waits until they are served. */
export async function installCrds(cp: ControlPlane): Promise<void> {
  const crds = await kubectl(cp, 'apply', '--server-side', '-f', CRD_DIR);
  if (crds.code !== 0) throw new Error(`the CRDs of ../shared/crds were refused: ${crds.stderr}`);
  await kubectl(cp, 'wait', '--for=condition=Established', 'crd', '--all', '--timeout=60s');
}
