/** BookSync as the project knows it: its config section, chart, Secrets and what the verify suite expects. */
import { SystemDefinition } from '../../charts/system';
import { BookSyncChart, booksyncSecrets } from './chart';
import { BOOKSYNC_APIS, BOOKSYNC_DIR, BookSyncConfig, booksyncSchema } from './config';

export const booksync: SystemDefinition<'booksync', BookSyncConfig> = {
  name: 'booksync',
  title: 'BookSync',
  dir: BOOKSYNC_DIR,
  schema: booksyncSchema,
  namespace: (c) => c.namespace,
  ingressHosts: (c) => (c.ingress.enabled ? Object.entries(c.ingress.hosts).map(([api, host]) => [['ingress', 'hosts', api], host]) : []),
  secrets: booksyncSecrets,
  chart: (scope, cluster, c) => new BookSyncChart(scope, 'booksync', cluster, c),
  database: {
    admin: 'postgres',
    database: 'booksync',
    services: Object.fromEntries(Object.entries(BOOKSYNC_APIS).map(([schema, api]) => [api.role, schema])),
    closedToPublic: true,
    vectorRole: BOOKSYNC_APIS.prediction.role,
    extensions: ['vector'],
    absentExtensions: [],
  },
};
