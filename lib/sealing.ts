/**
 * The committed ciphertexts of an environment (sealed/<env>.yaml): for every Secret key, the
 * value sealed by kubeseal for the cluster's controller certificate, and a keyed fingerprint
 * of the plaintext so that re-sealing an unchanged value keeps its ciphertext (no churn in
 * dist/). The fingerprint is an HMAC whose key lives in the gitignored env file, so the
 * committed file says nothing about the values to anyone without it.
 */
import { X509Certificate, createHash, createHmac } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import * as YAML from 'yaml';
import { readYamlFile } from './config-file';
import { ConfigError } from './errors';
import { SecretSpec, envKeys, readEnvFile } from './secrets';

/** The env-file key of the fingerprints' HMAC key (generated with the other values). */
export const FINGERPRINT_KEY = 'SEALING_FINGERPRINT_KEY';

export interface SealedValue {
  readonly fingerprint: string;
  readonly ciphertext: string;
}

export interface SealedStore {
  /** sha256 of the certificate the values were sealed for. */
  readonly certificate: string;
  /** "<namespace>/<secret>" → key → sealed value. */
  readonly secrets: Record<string, Record<string, SealedValue>>;
}

export const secretId = (spec: Pick<SecretSpec, 'namespace' | 'name'>) => `${spec.namespace}/${spec.name}`;

export function sealedStorePath(dir: string, env: string): string {
  return path.join(dir, `${env}.yaml`);
}

export function readSealedStore(file: string): SealedStore | undefined {
  if (!fs.existsSync(file)) return undefined;
  const store = readYamlFile(file) as SealedStore;
  if (
    typeof store?.certificate !== 'string' ||
    typeof store.secrets !== 'object' ||
    store.secrets === null ||
    Array.isArray(store.secrets)
  ) {
    throw new ConfigError(
      `${file}: not a sealed-values file (it needs "certificate" and "secrets"): restore it from git or run npm run seal again`,
    );
  }
  const broken = Object.entries(store.secrets).flatMap(([id, keys]) => {
    if (keys === null || typeof keys !== 'object' || Array.isArray(keys)) return [`secrets.${id}`];
    return Object.entries(keys)
      .filter(([, v]) => !isSealedValue(v))
      .map(([key]) => `secrets.${id}.${key}`);
  });
  if (broken.length > 0) {
    throw new ConfigError(
      `${file}: ${broken.slice(0, 3).join(', ')}${broken.length > 3 ? ' and more' : ''}: ` +
        'each sealed value needs a "fingerprint" and a "ciphertext" (base64 text, as kubeseal writes it): ' +
        'restore the file from git or run npm run seal again',
    );
  }
  return store;
}

/** A value as npm run seal writes it: two strings, the ciphertext base64. */
function isSealedValue(value: unknown): value is SealedValue {
  const v = value as SealedValue | null;
  return (
    typeof v === 'object' &&
    v !== null &&
    typeof v.fingerprint === 'string' &&
    typeof v.ciphertext === 'string' &&
    /^[A-Za-z0-9+/]+=*$/.test(v.ciphertext)
  );
}

export function writeSealedStore(file: string, store: SealedStore, env: string): void {
  const header = [
    `# Values of the ${env} Secrets, sealed by kubeseal for the controller certificate below.`,
    "# Safe to commit: only that cluster's sealed-secrets controller can open them.",
    `# Written by: npm run seal -- ${env} --cert <controller-cert.pem>`,
  ].join('\n');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  // A name of its own ('wx': never an existing file), renamed over the store in one step.
  const staging = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(staging, `${header}\n${YAML.stringify(store, { sortMapEntries: true, lineWidth: 0 })}`, { flag: 'wx' });
  fs.renameSync(staging, file);
}

/** The identity of a certificate file. */
export function certificateFingerprint(pem: string): string {
  return `sha256:${createHash('sha256').update(pem.trim()).digest('hex')}`;
}

/** A keyed fingerprint of one plaintext value, bound to where it goes. */
export function valueFingerprint(hmacKey: string, id: string, key: string, value: string): string {
  return createHmac('sha256', hmacKey).update(`${id}\0${key}\0${value}`).digest('base64url');
}

/** The keys a Secret must have sealed: all but the optional ones. */
function requiredKeys(spec: SecretSpec): string[] {
  return Object.entries(spec.data)
    .filter(([, v]) => !('provided' in v && v.optional))
    .map(([k]) => k);
}

/**
 * Refuses to synthesize sealed Secrets with values missing: one message listing every
 * missing key and the command that seals them.
 */
export function assertSealed(
  specs: SecretSpec[],
  store: SealedStore | undefined,
  file: string,
  env: string,
  configFile = `config/${env}.yaml`,
): void {
  const missing = specs.flatMap((spec) => {
    const keys = requiredKeys(spec).filter((k) => !store?.secrets[secretId(spec)]?.[k]);
    return keys.length > 0 ? [`  ${secretId(spec)}: ${keys.join(', ')}`] : [];
  });
  if (missing.length === 0) return;
  throw new ConfigError(
    [
      `${configFile}: secrets.mode is "sealed", but ${file} has no sealed value for:`,
      ...missing,
      `Seal them with: npm run seal -- ${env} --cert <controller-cert.pem>`,
    ].join('\n'),
  );
}

/** Refuses a --cert that kubeseal could not use, before anything is generated or sealed. */
export function assertCertificate(file: string): void {
  if (!fs.existsSync(file)) throw new ConfigError(`--cert ${file}: no such file; fetch it with: kubeseal --fetch-cert > ${file}`);
  if (!fs.statSync(file).isFile())
    throw new ConfigError(`--cert ${file}: not a file; fetch the certificate with: kubeseal --fetch-cert > cert.pem`);
  const pem = fs.readFileSync(file, 'utf8');
  let reason = pem.includes('-----BEGIN CERTIFICATE-----') ? '' : 'no "-----BEGIN CERTIFICATE-----" block';
  try {
    if (!reason) new X509Certificate(pem);
  } catch (error) {
    reason = (error as Error).message;
  }
  if (reason)
    throw new ConfigError(`--cert ${file}: not a certificate (${reason}); fetch the controller's with: kubeseal --fetch-cert > ${file}`);
}

/** Refuses an env file missing a value only the user can give (kubeseal would seal it empty), before anything is written. */
export function assertProvided(envFile: string, specs: SecretSpec[], env: string): void {
  const existing = readEnvFile(envFile);
  const empty = envKeys(specs)
    .filter((k) => !k.generated && !k.optional && !existing[k.key])
    .map((k) => k.key);
  if (empty.length > 0) {
    const them = empty.length > 1 ? 'them' : 'it';
    throw new ConfigError(
      `${envFile}: ${empty.join(', ')} ${empty.length > 1 ? 'are' : 'is'} empty: set ${them} there ` +
        `(npm run secrets -- ${env} makes the file), then seal again (nothing was sealed)`,
    );
  }
}
