/**
 * A system's Secrets as Bitnami SealedSecrets: same name, namespace, type, keys and labels
 * as the Secret the workloads reference, values encrypted for the cluster's controller, which
 * decrypts them into that Secret. Strict scope (the default): a ciphertext only opens under
 * its own name and namespace.
 */
import { Construct } from 'constructs';
import { SealedSecret } from '../../imports/sealedsecret-bitnami.com';
import { SealedStore, secretId } from '../../lib/sealing';
import { SecretSpec } from '../../lib/secrets';

export class SealedSecrets extends Construct {
  constructor(scope: Construct, id: string, props: { specs: SecretSpec[]; store: SealedStore }) {
    super(scope, id);
    for (const spec of props.specs) {
      const sealed = props.store.secrets[secretId(spec)] ?? {};
      const encryptedData = Object.fromEntries(
        Object.keys(spec.data)
          .filter((k) => sealed[k])
          .map((k) => [k, sealed[k].ciphertext]),
      );
      const metadata = { name: spec.name, namespace: spec.namespace, labels: spec.labels };
      new SealedSecret(this, spec.name, { metadata, spec: { encryptedData, template: { metadata, type: spec.type } } });
    }
  }
}
