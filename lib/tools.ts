/**
 * The real command-line tools the project drives, each pinned to a version and built with
 * `go install` into a cache outside the repository (~/.cache/pi-gitops/bin/<tool>-<version>/),
 * so a second run finds it in an instant.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

export interface GoTool {
  /** The Go package `go install` builds. */
  readonly pkg: string;
  readonly version: string;
  /** An environment variable that names a binary to use instead. */
  readonly override: string;
  /**
   * A wrapper module in tools/ whose go.mod and go.sum pin the tool's dependencies; the
   * tool is built inside it with `go install <pkg>` (no @version).
   */
  readonly wrapper?: string;
  /** Extra environment for the build. */
  readonly env?: Record<string, string>;
  /** Linker flags (the version Kubernetes binaries report). */
  readonly ldflags?: string;
}

/** kube-apiserver and kube-controller-manager 1.34 (the k3s stable line), built in tools/cluster. */
const KUBERNETES = 'v1.34.4';
const kubernetesVersion = ['gitVersion=' + KUBERNETES, 'gitMajor=1', 'gitMinor=34', 'gitTreeState=clean']
  .flatMap((v) => [`-X k8s.io/component-base/version.${v}`, `-X k8s.io/client-go/pkg/version.${v}`])
  .join(' ');
const kubernetesTool = (cmd: string, override: string): GoTool => ({
  pkg: `k8s.io/kubernetes/cmd/${cmd}`,
  version: KUBERNETES,
  override,
  wrapper: 'tools/cluster',
  ldflags: kubernetesVersion,
});

/** A Prometheus tool with the release version its Go module version stands for (v0.315.0 is 3.15.0) stamped in. */
function prometheusTool(tool: GoTool): GoTool {
  const [, minor, patch] = /^v0\.3(\d\d)\.(\d+)$/.exec(tool.version) ?? [];
  if (minor === undefined) throw new Error(`${tool.pkg}: ${tool.version} is not a Prometheus 3.x module version (v0.3XX.Y)`);
  return { ...tool, ldflags: `-s -X github.com/prometheus/common/version.Version=3.${Number(minor)}.${patch}` };
}

export const GO_TOOLS: Record<string, GoTool> = {
  // v0.36.0 is the last release under the bitnami-labs module path (v0.40 renamed it).
  kubeseal: { pkg: 'github.com/bitnami-labs/sealed-secrets/cmd/kubeseal', version: 'v0.36.0', override: 'KUBESEAL' },
  // The release of the rclone/rclone image the off-node backups run (charts/constructs/offsite-config.ts).
  // Built as the image builds it (static, its version stamped), so `rclone version` says what the image says.
  rclone: {
    pkg: 'github.com/rclone/rclone',
    version: 'v1.76.0',
    override: 'RCLONE',
    env: { CGO_ENABLED: '0' },
    ldflags: '-s -X github.com/rclone/rclone/fs.Version=v1.76.0',
  },
  kubeconform: { pkg: 'github.com/yannh/kubeconform/cmd/kubeconform', version: 'v0.7.0', override: 'KUBECONFORM' },
  'kube-score': { pkg: 'github.com/zegl/kube-score/cmd/kube-score', version: 'v1.20.0', override: 'KUBE_SCORE' },
  // Built in a wrapper module: `go install …@v1.4.4` asks the proxy for the module's version
  // list (403 here), and the checksum database lacks np-guard/models; go.sum pins the hashes.
  'kube-apiserver': kubernetesTool('kube-apiserver', 'KUBE_APISERVER'),
  'kube-controller-manager': kubernetesTool('kube-controller-manager', 'KUBE_CONTROLLER_MANAGER'),
  // k3s' own datastore, SQLite behind an etcd API.
  kine: { pkg: 'github.com/k3s-io/kine', version: 'v0.16.4', override: 'KINE' },
  netpolicy: {
    pkg: 'github.com/np-guard/netpol-analyzer/cmd/netpolicy',
    version: 'v1.4.4',
    override: 'NETPOLICY',
    wrapper: 'tools/netpolicy',
    env: { GONOSUMDB: 'github.com/np-guard', GOFLAGS: '-mod=mod' },
  },
  // Prometheus 3.15.0 (its Go module is tagged v0.3XX.Y for 3.XX.Y), built in a wrapper module:
  // `go install …@v0.315.0` refuses a go.mod with replace and exclude directives, which
  // tools/promtool/go.mod copies; v0.316.0 has none, but the proxy refuses three modules it requires.
  // Built as Prometheus' release builds it (static), so `promtool --version` says 3.15.0.
  promtool: prometheusTool({
    pkg: 'github.com/prometheus/prometheus/cmd/promtool',
    version: 'v0.315.0',
    override: 'PROMTOOL',
    wrapper: 'tools/promtool',
    env: { CGO_ENABLED: '0' },
  }),
};

export type ToolName =
  'kubeseal' | 'rclone' | 'kubeconform' | 'kube-score' | 'netpolicy' | 'kube-apiserver' | 'kube-controller-manager' | 'kine' | 'promtool';

export function toolCacheDir(): string {
  return process.env.PI_GITOPS_CACHE ?? path.join(os.homedir(), '.cache', 'pi-gitops');
}

/** Where the pinned build of a tool lives. */
export function toolPath(name: ToolName): string {
  const tool = GO_TOOLS[name];
  return path.join(toolCacheDir(), 'bin', `${name}-${tool.version}`, name);
}

/** The command that installs a tool, for messages. */
export function installCommand(name: ToolName): string {
  const tool = GO_TOOLS[name];
  const env = Object.entries({ ...tool.env, GOBIN: path.dirname(toolPath(name)) })
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  return tool.wrapper ? `(cd ${tool.wrapper} && ${env} go install ${tool.pkg})` : `${env} go install ${tool.pkg}@${tool.version}`;
}

function hasGo(): boolean {
  try {
    execFileSync('go', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * The path of a tool's binary: the override variable if set, else the pinned build in the
 * cache, built now with `go install` when Go is there. Throws a message that says how to
 * get it otherwise.
 */
export function ensureTool(name: ToolName, log: (line: string) => void = () => {}): string {
  const tool = GO_TOOLS[name];
  const override = process.env[tool.override];
  if (override) return override;
  const binary = toolPath(name);
  if (fs.existsSync(binary)) return binary;
  if (!hasGo()) {
    throw new Error(
      `${name} ${tool.version} is not installed and Go is not on PATH: ` +
        `install Go, or run \`${installCommand(name)}\`, or set ${tool.override} to a ${name} binary`,
    );
  }
  log(`installing ${name} ${tool.version} with go install (once; cached in ${path.dirname(binary)})`);
  const flags = tool.ldflags ? [`-ldflags=${tool.ldflags}`] : [];
  execFileSync('go', ['install', ...flags, tool.wrapper ? tool.pkg : `${tool.pkg}@${tool.version}`], {
    cwd: tool.wrapper ? path.join(__dirname, '..', tool.wrapper) : undefined,
    env: { ...process.env, ...tool.env, GOBIN: path.dirname(binary) },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  return binary;
}
