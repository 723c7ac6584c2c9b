/** Random BookSync sections for the fuzz check (verify/fuzz.ts), in the schema's own terms. */
import fc from 'fast-check';
import { api, envValue, label, postgres, roleName, some, subdomain, tag } from '../../verify/arbitraries';

export const sectionArbitrary = some({
  namespace: label(12),
  database: some({ name: label(10), adminUser: roleName }),
  postgres,
  images: some({ registry: fc.stringMatching(/^[a-z0-9][a-z0-9.-]{0,15}(:[0-9]{2,5})?(\/[a-z0-9._-]{1,8}){0,2}$/), tag }),
  apis: some({
    auth: api({ JWT_ALGORITHM: envValue, DEBUG: envValue }),
    data: api({ APP_ENV: envValue }),
    prediction: api({ EMBEDDING_MODEL: envValue }),
  }),
  ingress: some({ enabled: fc.boolean(), hosts: some({ auth: subdomain, data: subdomain, prediction: subdomain }) }),
});
