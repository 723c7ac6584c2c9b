/**
 * Rolling a Deployment when a Secret it reads changes (npm run rotate): in sealed mode, each
 * Deployment's pod template carries `pi-gitops/sealed-secrets-hash`, the SHA-256 of the sealed
 * values of every Secret it reads (env, envFrom, volumes). Re-sealing a changed value changes the
 * ciphertext, so the template changes, and Argo CD's sync rolls the pods onto the new value;
 * unchanged values keep their ciphertexts (npm run seal), so nothing rolls otherwise. External
 * mode has no values in git to hash: there, npm run rotate restarts the consumers itself.
 */
import { createHash } from 'crypto';
import { KubeObject } from '../lib/manifests';

export const SECRETS_HASH = 'pi-gitops/sealed-secrets-hash';

/** The Secrets a pod spec reads, by name. */
export function secretsReadBy(pod: any): string[] {
  const names = new Set<string>();
  for (const c of [...(pod.initContainers ?? []), ...(pod.containers ?? [])]) {
    for (const e of c.env ?? []) if (e.valueFrom?.secretKeyRef) names.add(e.valueFrom.secretKeyRef.name);
    for (const e of c.envFrom ?? []) if (e.secretRef) names.add(e.secretRef.name);
  }
  for (const v of pod.volumes ?? []) {
    if (v.secret) names.add(v.secret.secretName);
    for (const s of v.projected?.sources ?? []) if (s.secret) names.add(s.secret.name);
  }
  return [...names].sort();
}

/** Puts the hash on every Deployment that reads a SealedSecret of the same objects; returns them. */
export function annotateSecretsHash(objects: KubeObject[]): KubeObject[] {
  const sealed = new Map((objects as any[]).filter((o) => o.kind === 'SealedSecret').map((o) => [o.metadata.name, o.spec.encryptedData]));
  for (const d of (objects as any[]).filter((o) => o.kind === 'Deployment')) {
    const read = secretsReadBy(d.spec.template.spec).filter((name) => sealed.has(name));
    if (read.length === 0) continue;
    const hash = createHash('sha256')
      .update(JSON.stringify(read.map((name) => [name, sealed.get(name)])))
      .digest('hex');
    d.spec.template.metadata.annotations = { ...d.spec.template.metadata.annotations, [SECRETS_HASH]: hash };
  }
  return objects;
}
