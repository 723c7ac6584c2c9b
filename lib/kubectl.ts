/** kubectl for the operator commands (npm run status, npm run restore), and the systems they act on. */
import { execFile } from 'child_process';
import * as fs from 'fs';
import { ConfigError } from './errors';
import { KubeObject } from './manifests';

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs kubectl with an argument vector (never a shell), optionally streaming a file into its
 * stdin. Resolves with the exit code and output; throws only when kubectl is not installed.
 */
export function kubectl(args: string[], stdinFile?: string): Promise<KubectlResult> {
  return new Promise((resolve, reject) => {
    const child = execFile('kubectl', args, { encoding: 'utf8', maxBuffer: 256 * 2 ** 20 }, (error, stdout, stderr) => {
      const code = (error as NodeJS.ErrnoException | null)?.code;
      if (code === 'ENOENT')
        reject(
          new ConfigError(
            'kubectl is not installed (or not on PATH): install it, or on a k3s server use its own: ' +
              'sudo ln -s /usr/local/bin/k3s /usr/local/bin/kubectl',
          ),
        );
      else resolve({ code: error ? (typeof code === 'number' ? code : 1) : 0, stdout, stderr });
    });
    child.stdin!.on('error', () => {}); // kubectl may exit before reading all of it: its exit code says why
    if (stdinFile) fs.createReadStream(stdinFile).pipe(child.stdin!);
    else child.stdin!.end();
  });
}

/** The name of kubectl's current context; a clear message when kubectl or the context is missing. */
export async function requireContext(): Promise<string> {
  const { code, stdout } = await kubectl(['config', 'current-context']);
  if (code !== 0 || !stdout.trim()) {
    throw new ConfigError(
      'kubectl has no current context: point KUBECONFIG at your k3s kubeconfig (/etc/rancher/k3s/k3s.yaml on the server) ' +
        'or run kubectl config use-context <name>',
    );
  }
  return stdout.trim();
}

/** The synthesized objects of the named systems (all when none is named); an unknown name is refused. */
export function systemsOf(objects: Map<string, KubeObject[]>, names: string[]): Array<[string, KubeObject[]]> {
  const unknown = names.filter((n) => !objects.has(n));
  if (unknown.length > 0) throw new ConfigError(`unknown system "${unknown[0]}": use one of ${[...objects.keys()].join(', ')}`);
  return [...objects].filter(([name]) => names.length === 0 || names.includes(name));
}

/** The namespace a system's objects create. */
export function namespaceOf(objects: KubeObject[]): string {
  return objects.find((o) => o.kind === 'Namespace')!.metadata.name;
}
