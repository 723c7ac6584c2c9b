/**
 * npm run rotate -- <env> <system> <role> [--cert <controller-cert.pem>] [--apply] [--secrets-file F]
 *
 * Rotates one database role's password in one command:
 *  1. a new random value for the role's key in the env file (only that line changes);
 *  2. sealed mode: sealed again (npm run seal, with --cert) and dist/ synthesized again, which
 *     changes the `pi-gitops/sealed-secrets-hash` of every Deployment that reads the role's Secret,
 *     so that Argo CD's next sync rolls exactly those;
 *  3. the password changed in Postgres: on the statefulset engine through the documented exec
 *     path (`kubectl exec -i <db>-0 -c postgres -- psql` over the pod's socket, the SQL on stdin,
 *     never on a command line); on CloudNativePG the operator does it when the Secret changes;
 *  4. external mode: the Secret applied and the consumers restarted with kubectl.
 * The rotation happens whole or not at all: without --apply, when a step needs the cluster (3 on the
 * statefulset engine, 4), nothing is written and the plan is printed (the password as a placeholder);
 * on CloudNativePG in sealed mode there is no such step, and steps 1-2 are the whole rotation.
 * Postgres gets the password's SCRAM-SHA-256 verifier, never the password: a failing statement is
 * logged in full.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { execFileSync } from 'child_process';
import { confinedPath, parseCommandLine, runCli } from '../lib/cli';
import { ConfigError, show } from '../lib/errors';
import { kubectl, requireContext } from '../lib/kubectl';
import { randomSecret, readEnvFile, replaceEnvValue, scramVerifier, secretManifest } from '../lib/secrets';
import { assertCertificate, assertProvided } from '../lib/sealing';
import { loadEnvironment, sectionOf } from '../app/environment';
import { SYSTEMS } from '../app/registry';
import { allSecrets, synthesizeObjects } from '../app/synth';
import { secretsReadBy } from '../app/secrets-hash';
import { postgresPod, renderCommand } from '../app/restore-plan';
import { PROJECT_ROOT } from '../lib/project-root';
import { Yaml } from 'cdk8s';

/** psql as the admin over the pod's socket, stopping at the first error. */
const psqlAs = (user: string, database: string) => ['psql', '--no-psqlrc', '-v', 'ON_ERROR_STOP=1', '-U', user, '-d', database];

const USAGE = 'npm run rotate -- <env> <system> <role> [--cert <controller-cert.pem>] [--apply] [--secrets-file secrets/<env>.env]';

async function main(): Promise<void> {
  const { values, positionals } = parseCommandLine(USAGE, {
    allowPositionals: true,
    options: {
      cert: { type: 'string' },
      apply: { type: 'boolean', default: false },
      'secrets-file': { type: 'string' },
      config: { type: 'string', default: 'config' },
    },
  });
  const [env, systemName, role] = positionals;
  if (!role || positionals.length > 3)
    throw new ConfigError(`usage: ${USAGE}   (for example: npm run rotate -- prod ${SYSTEMS[0].name} <role>)`);
  const config = loadEnvironment(values.config, env);
  const system = SYSTEMS.find((s) => s.name === systemName);
  if (!system) throw new ConfigError(`unknown system "${systemName}": choose from ${SYSTEMS.map((s) => s.name).join(', ')}`);
  const specs = system.secrets(sectionOf(config, system));
  const roleSpecs = specs.filter((s) => s.type === 'kubernetes.io/basic-auth' && 'generated' in (s.data.password ?? {}));
  const spec = roleSpecs.find((s) => (s.data.username as { literal?: string }).literal === role);
  if (!spec) {
    const known = roleSpecs.map((s) => (s.data.username as { literal?: string }).literal).join(', ');
    throw new ConfigError(`${env}/${systemName}: no database role ${show(role)} with a generated password: choose from ${known}`);
  }
  const key = (spec.data.password as { generated: string }).generated;
  const sealed = config.secrets.mode === 'sealed';
  const cert = values.cert && path.resolve(process.env.INIT_CWD ?? process.cwd(), values.cert);
  if (sealed && !cert) throw new ConfigError(`${env} is in sealed mode: give --cert <controller-cert.pem> to seal the new value`);
  const envFile = confinedPath(values['secrets-file'] ?? path.join('secrets', `${env}.env`), '--secrets-file', 'secrets');
  const current = readEnvFile(envFile);
  if (!(key in current)) throw new ConfigError(`${envFile}: has no ${key}: run npm run secrets -- ${env} first`);
  // What sealing would refuse, refused before the env file changes.
  if (cert) assertCertificate(cert);
  if (sealed) assertProvided(envFile, allSecrets(config), env);

  const objects = synthesizeObjects(config).get(system.name) ?? [];
  const consumers = (objects as any[])
    .filter((o) => o.kind === 'Deployment' && secretsReadBy(o.spec.template.spec).includes(spec.name))
    .map((o) => o.metadata.name as string);

  const password = randomSecret();

  // The cluster's steps, planned before anything is written: Postgres, and in external mode the Secret and its readers.
  const namespace = spec.namespace;
  const postgres = postgresPod(objects);
  const steps: Array<{ title: string; argv: string[]; stdin?: string }> = [];
  if (postgres) {
    steps.push({
      title: `Set ${role}'s new password in Postgres (over the pod's socket, the SQL on stdin)`,
      argv: ['-n', namespace, 'exec', '-i', postgres.pod, '-c', 'postgres', '--', ...psqlAs(postgres.adminUser, postgres.database)],
      stdin: `ALTER ROLE "${role}" PASSWORD '${scramVerifier(password)}';\n`,
    });
  } else console.log(`${role}: CloudNativePG sets the new password itself when the Secret changes (cnpg.io/reload)`);
  if (!sealed) {
    steps.push({
      title: `Apply the Secret ${spec.name}`,
      argv: ['apply', '-f', '-'],
      stdin: Yaml.stringify(secretManifest(spec, { ...current, [key]: password })),
    });
    for (const d of consumers)
      steps.push({ title: `Restart ${d}, which reads it`, argv: ['-n', namespace, 'rollout', 'restart', `deployment/${d}`] });
  }
  if (!values.apply && steps.length > 0) {
    console.log(`nothing was changed: the rotation needs the cluster. With --apply, ${envFile} gets a new ${key}`);
    if (sealed) console.log(`  (sealed into sealed/${env}.yaml and dist/${env}/ synthesized again), then:`);
    for (const s of steps)
      console.log(
        `  ${s.title}:\n    ${renderCommand({ argv: s.argv })}${s.stdin ? ' < (on stdin, not shown: it holds the password)' : ''}`,
      );
    return;
  }
  // The cluster is reached before anything is written; then the new value, and everything derived from it.
  if (values.apply && steps.length > 0) console.log(`context: ${await requireContext()}`);
  replaceEnvValue(envFile, key, password);
  console.log(`${envFile}: ${key} has a new value`);
  if (sealed) {
    const tsx = (script: string, args: string[]) =>
      execFileSync(process.execPath, ['--import', 'tsx', path.join(PROJECT_ROOT, script), ...args], { stdio: 'inherit' });
    tsx('scripts/seal.ts', [env, '--cert', cert!, '--secrets-file', envFile, '--config', values.config]);
    tsx('main.ts', ['--env', env, '--config', values.config]);
    console.log(`sealed and synthesized: the Deployments that read ${spec.name} (${consumers.join(', ') || 'none'}) have a new hash`);
  }

  if (steps.length > 0) {
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'rotate-'));
    try {
      for (const s of steps) {
        console.log(`${s.title}\n   $ ${renderCommand({ argv: s.argv })}`);
        const input = s.stdin === undefined ? undefined : path.join(scratch, 'stdin');
        if (input) fs.writeFileSync(input, s.stdin!, { mode: 0o600 });
        const result = await kubectl(s.argv, input);
        if (result.code !== 0)
          throw new ConfigError(
            `kubectl said: ${`${result.stdout}${result.stderr}`.trim()}\n` +
              `${envFile} already holds the new value: fix the cause, then rotate again with --apply (a new value replaces it)`,
          );
      }
    } finally {
      fs.rmSync(scratch, { recursive: true, force: true });
    }
  }
  if (sealed)
    console.log(
      `\nnow commit sealed/${env}.yaml and dist/ and push: Argo CD updates the Secret and rolls ${consumers.join(', ') || 'nothing'}`,
    );
}

if (require.main === module) runCli(main);
