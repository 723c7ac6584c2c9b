/** MnemoLite as the project knows it: its config section, chart, Secrets and what the verify suite expects. */
import { SystemDefinition } from '../../charts/system';
import { MnemoLiteChart, mnemoliteSecrets } from './chart';
import { MNEMOLITE_DIR, MnemoLiteConfig, mnemoliteSchema } from './config';

export const mnemolite: SystemDefinition<'mnemolite', MnemoLiteConfig> = {
  name: 'mnemolite',
  title: 'MnemoLite',
  dir: MNEMOLITE_DIR,
  schema: mnemoliteSchema,
  namespace: (c) => c.namespace,
  ingressHosts: (c) => (c.expose.mode === 'ingress' ? [[['expose', 'host'], c.expose.host]] : []),
  secrets: mnemoliteSecrets,
  chart: (scope, cluster, c) => new MnemoLiteChart(scope, 'mnemolite', cluster, c),
  database: {
    // The app's one role owns the database; PUBLIC keeps the default CONNECT, as nobody else logs in.
    admin: 'postgres',
    owner: 'mnemo',
    migration: { script: 'migrate-superuser.bash', seedAdmin: 'mnemo' },
    database: 'mnemolite',
    services: {},
    closedToPublic: false,
    vectorRole: 'mnemo',
    extensions: ['vector'],
    absentExtensions: ['pg_partman', 'pg_cron'], // off in prod: its image has neither
  },
};
