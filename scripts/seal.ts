/**
 * npm run seal -- <env> --cert <controller-cert.pem> [--rotate] [--secrets-file F] [--sealed-dir D]
 *
 * Seals every Secret value of an environment with the real kubeseal (pinned; built with
 * `go install` into ~/.cache/pi-gitops when missing) for the controller's certificate, and
 * writes the ciphertexts to the committed sealed/<env>.yaml. Values come from the gitignored
 * env file that `npm run secrets` manages (created here too if missing). An unchanged value
 * keeps its ciphertext, so dist/ does not churn, unless --rotate or the certificate changed.
 */
import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { confinedPath, parseCommandLine, runCli } from '../lib/cli';
import {
  FINGERPRINT_KEY,
  SealedStore,
  assertCertificate,
  assertProvided,
  certificateFingerprint,
  readSealedStore,
  sealedStorePath,
  secretId,
  valueFingerprint,
  writeSealedStore,
} from '../lib/sealing';
import { ensureEnvFile, resolveSecretData } from '../lib/secrets';
import { ensureTool } from '../lib/tools';
import { loadEnvironment } from '../app/environment';
import { assertEnvironmentName } from '../lib/config-file';
import { ConfigError } from '../lib/errors';
import { allSecrets } from '../app/synth';

/** Seals one value with kubeseal --raw (strict scope: bound to this name and namespace). */
function seal(kubeseal: string, cert: string, namespace: string, name: string, value: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'seal-'));
  try {
    const file = path.join(dir, 'value');
    fs.writeFileSync(file, value, { mode: 0o600 });
    const args = ['--raw', '--scope', 'strict', '--cert', cert, '--namespace', namespace, '--name', name, `--from-file=${file}`];
    return execFileSync(kubeseal, args, { encoding: 'utf8' }).trim();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

function main(): void {
  const { values, positionals } = parseCommandLine('npm run seal -- <env> --cert <controller-cert.pem> [--rotate]', {
    allowPositionals: true,
    options: {
      cert: { type: 'string' },
      rotate: { type: 'boolean', default: false },
      'secrets-file': { type: 'string' },
      'sealed-dir': { type: 'string', default: 'sealed' },
      config: { type: 'string', default: 'config' },
    },
  });
  const env = positionals[0];
  if (!env || positionals.length > 1 || !values.cert) {
    throw new ConfigError(
      'usage: npm run seal -- <env> --cert <controller-cert.pem> [--rotate]   ' +
        '(fetch the certificate with: kubeseal --fetch-cert > cert.pem)',
    );
  }
  // Every path is checked, and the store read, before anything is read from the user or written.
  assertEnvironmentName(env, values.config);
  const storeFile = sealedStorePath(confinedPath(values['sealed-dir'], '--sealed-dir', 'sealed'), env);
  const envFile = confinedPath(values['secrets-file'] ?? path.join('secrets', `${env}.env`), '--secrets-file', 'secrets');
  assertCertificate(values.cert);
  const config = loadEnvironment(values.config, env);
  const specs = allSecrets(config);
  const previous = readSealedStore(storeFile);
  // The values only the user can give must be there before anything is written.
  assertProvided(envFile, specs, env);
  const { values: plain, unknown, exposed } = ensureEnvFile(envFile, specs, [FINGERPRINT_KEY]);
  if (exposed) console.error(`warning: ${envFile} can be read by other users: chmod 600 ${envFile}`);
  for (const key of unknown) console.error(`warning: ${key} in ${envFile} is read by no Secret (misspelt?): it is kept, unused`);

  const kubeseal = ensureTool('kubeseal', (line) => console.error(line));
  const certificate = certificateFingerprint(fs.readFileSync(values.cert, 'utf8'));
  const reuse = !values.rotate && previous?.certificate === certificate;
  const counts = { kept: 0, sealed: 0 };
  const store: SealedStore = { certificate, secrets: {} };
  for (const spec of specs) {
    const id = secretId(spec);
    store.secrets[id] = {};
    for (const [key, value] of Object.entries(resolveSecretData(spec, plain))) {
      const fingerprint = valueFingerprint(plain[FINGERPRINT_KEY], id, key, value);
      const old = previous?.secrets[id]?.[key];
      const keep = reuse && old?.fingerprint === fingerprint;
      store.secrets[id][key] = keep ? old : { fingerprint, ciphertext: seal(kubeseal, values.cert, spec.namespace, spec.name, value) };
      counts[keep ? 'kept' : 'sealed']++;
    }
  }
  writeSealedStore(storeFile, store, env);
  console.error(
    `${storeFile}: ${counts.sealed} value(s) sealed, ${counts.kept} kept unchanged${values.rotate ? ' (--rotate)' : ''}; ` +
      `now run npm run synth and commit ${storeFile} and dist/`,
  );
}

runCli(main);
