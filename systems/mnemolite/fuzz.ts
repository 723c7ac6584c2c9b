/** Random MnemoLite sections for the fuzz check (verify/fuzz.ts), in the schema's own terms. */
import fc from 'fast-check';
import { api, envValue, label, postgres, resources, roleName, some, subdomain, tag } from '../../verify/arbitraries';

export const sectionArbitrary = some({
  namespace: label(12),
  database: some({ name: label(10), user: roleName, adminUser: roleName }),
  postgres,
  images: some({ tag }),
  api: api({ ENVIRONMENT: envValue }),
  worker: some({ enabled: fc.boolean(), tag, replicas: fc.integer({ min: 0, max: 5 }), resources, env: some({ ENVIRONMENT: envValue }) }),
  expose: some({
    mode: fc.constantFrom('ingress', 'loadBalancer'),
    host: subdomain,
    loadBalancerPort: fc.integer({ min: 1, max: 65535 }),
    tlsSecretName: label(10),
  }),
});
