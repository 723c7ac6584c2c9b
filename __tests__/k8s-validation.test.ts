/**
 * lib/k8s-validation: every rule accepts a valid example and refuses an invalid one with the
 * API server's message. Many cases come from Kubernetes' and robfig/cron's own test tables
 * (apimachinery content/dns_test.go, kube_test.go, util/validation/validation_test.go,
 * resource/quantity_test.go, batch/validation/validation_test.go, robfig/cron parser_test.go).
 */
import * as path from 'path';
import { loadEnvironment } from '../app/environment';
import { synthesizeArgoCd, synthesizeObjects } from '../app/synth';
import { listEnvironments } from '../lib/config-file';
import {
  cronScheduleError,
  dns1035LabelErrors,
  dns1123LabelErrors,
  dns1123SubdomainErrors,
  isTimeZone,
  labelValueErrors,
  portNameErrors,
  qualifiedNameErrors,
  quantityErrors,
  toLabelValue,
  validateObjects,
} from '../lib/k8s-validation';

const CONFIG_DIR = path.join(__dirname, '..', 'config');
const a = (n: number): string => 'a'.repeat(n);

describe('name and value rules', () => {
  // [rule, values it accepts, values it refuses]
  const rules: Array<[string, (v: string) => string[], string[], string[]]> = [
    [
      'dns1123LabelErrors',
      dns1123LabelErrors,
      ['a', 'ab', 'abc', 'a1', 'a-1', 'a--1--2--b', '0', '01', '012', '1a', '1-a', '1--a--b--2', a(63)],
      [
        '',
        'A',
        'ABC',
        'aBc',
        'A1',
        'A-1',
        '1-A',
        '-',
        'a-',
        '-a',
        '1-',
        '-1',
        '_',
        'a_',
        '_a',
        'a_b',
        '1_',
        '_1',
        '1_2',
        '.',
        'a.',
        '.a',
        'a.b',
        '1.',
        '.1',
        '1.2',
        ' ',
        'a ',
        ' a',
        'a b',
        '1 ',
        ' 1',
        '1 2',
        a(64),
      ],
    ],
    [
      'dns1123SubdomainErrors',
      dns1123SubdomainErrors,
      ['a', 'a--1--2--b', '0.a', 'a.1', '1--a--b--2.1', 'a.b.c.d.e', 'aa.bb.cc.dd.ee', '1.2.3.4.5', '11.22.33.44.55', a(253)],
      [
        '',
        'A',
        'aBc',
        '-',
        'a-',
        '-a',
        '_',
        'a_b',
        '.',
        'a.',
        '.a',
        'a..b',
        '1..2',
        ' ',
        'a b',
        'A.a',
        'aB.a',
        'ab.A',
        'a.B.c.d.e',
        'a@b',
        'a,b',
        'a;b',
        'a:b',
        'a%b',
        'a?b',
        'a$b',
        a(254),
      ],
    ],
    [
      'dns1035LabelErrors',
      dns1035LabelErrors,
      ['a', 'ab', 'abc', 'a1', 'a-1', 'a--1--2--b', a(63)],
      [
        '0',
        '01',
        '012',
        '1a',
        '1-a',
        '1--a--b--2',
        '',
        'A',
        'ABC',
        'aBc',
        'A1',
        'A-1',
        '1-A',
        '-',
        'a-',
        '-a',
        '1-',
        '-1',
        '_',
        'a_',
        '_a',
        'a_b',
        '.',
        'a.',
        '.a',
        'a.b',
        ' ',
        'a b',
        a(64),
      ],
    ],
    [
      'qualifiedNameErrors',
      qualifiedNameErrors,
      [
        'simple',
        'now-with-dashes',
        '1-starts-with-num',
        '1234',
        'simple/simple',
        'now-with-dashes/simple',
        'now.with.dots/simple',
        '1-num.2-num/3-num',
        '1234/5678',
        '1.2.3.4/5678',
        'Uppercase_Is_OK_123',
        'example.com/Uppercase_Is_OK_123',
        'requests.storage-foo',
        a(63),
        `${a(253)}/${'b'.repeat(63)}`,
      ],
      [
        'nospecialchars%^=@',
        'cantendwithadash-',
        '-cantstartwithadash-',
        'only/one/slash',
        'Example.com/abc',
        'example_com/abc',
        'example.com/',
        '/simple',
        a(64),
        `${a(254)}/abc`,
      ],
    ],
    [
      'labelValueErrors',
      labelValueErrors,
      ['simple', 'now-with-dashes', '1-starts-with-num', 'end-with-num-1', '1234', a(63), ''],
      [
        'nospecialchars%^=@',
        'Tama-nui-te-rā.is.Māori.sun',
        '\\backslashes\\are\\bad',
        '-starts-with-dash',
        'ends-with-dash-',
        '.starts.with.dot',
        'ends.with.dot.',
        a(64),
      ],
    ],
    [
      'portNameErrors',
      portNameErrors,
      ['telnet', 're-mail-ck', 'pop3', 'a', 'a-1', '1-a', 'a-1-b-2-c', '1-a-2-b-3'],
      ['longerthan15characters', '', a(16), '12345', '1-2-3-4', '-begin', 'end-', 'two--hyphens', 'whois++', 'HTTP'],
    ],
    [
      'quantityErrors',
      quantityErrors,
      [
        '0',
        '0n',
        '0u',
        '0m',
        '0Ki',
        '0k',
        '0Mi',
        '5Ki',
        '5Ei',
        '5k',
        '5M',
        '5G',
        '5T',
        '5P',
        '5E',
        '1.5Gi',
        '1e3',
        '1E3',
        '1e-3',
        '-5',
        '+5',
        '.5',
        '1.',
        '500m',
        '100u',
        '12n',
      ],
      ['', '1.1.M', '1+1.0M', '0.1mi', '0.1am', 'aoeu', '.5i', '1i', '-3.01i', '-3.01e-', '1 Gi', ' 1', '1KI', '1Gb', '1e', 'Mix'],
    ],
  ];

  describe.each(rules)('%s', (_name, rule, good, bad) => {
    test.each(good)('accepts %j', (v) => expect(rule(v)).toEqual([]));
    test.each(bad)('refuses %j', (v) => expect(rule(v).length).toBeGreaterThan(0));
  });

  test.each([
    [dns1123LabelErrors, 'a.b', 'must not contain dots'],
    [dns1123LabelErrors, a(64), 'must be no more than 63 characters'],
    [
      dns1123LabelErrors,
      'My_Name',
      "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', " +
        "and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', " +
        "regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
    ],
    [
      dns1035LabelErrors,
      '1api',
      "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic " +
        "character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is " +
        "'[a-z]([-a-z0-9]*[a-z0-9])?')",
    ],
    [qualifiedNameErrors, '/simple', 'prefix part must be non-empty'],
    [qualifiedNameErrors, 'Example.com/abc', 'prefix part a lowercase RFC 1123 subdomain must consist of lower case'],
    [qualifiedNameErrors, 'example.com/', 'name part must be non-empty'],
    [qualifiedNameErrors, a(64), 'name part must be no more than 63 characters'],
    [labelValueErrors, '-x', "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.'"],
    [portNameErrors, 'two--hyphens', 'must not contain consecutive hyphens'],
    [portNameErrors, '12345', 'must contain at least one letter (a-z)'],
    [portNameErrors, 'end-', 'must not begin or end with a hyphen'],
    [portNameErrors, 'Http', 'must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)'],
    [quantityErrors, '1 Gi', "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"],
    [quantityErrors, '100mi', "unable to parse quantity's suffix"],
  ])('%p(%j) says %j', (rule, value, message) => {
    expect(rule(value).some((m) => m.startsWith(message))).toBe(true);
  });
});

describe('cronScheduleError (robfig/cron v3 ParseStandard)', () => {
  test.each([
    '* * * * ?',
    '5 * * * *',
    '0 0 15 */3 *',
    '*/15 0-6 1,15 JAN-MAR mon-fri',
    '0 3 * * SUN',
    '0 0 1 jan,JUL *',
    '5/10 * * * *',
    '? ? ? ? ?',
    '59 23 31 12 6',
    '0 0 * * 0',
    ',0 * * * *',
    '@yearly',
    '@annually',
    '@monthly',
    '@weekly',
    '@daily',
    '@midnight',
    '@hourly',
    '@every 5m',
    '@every 1h30m',
    '@every 1.5h',
    '@every 0',
    'TZ=UTC 0 * * * *',
    'CRON_TZ=Asia/Tokyo 0 5 * * *',
  ])('accepts %j', (schedule) => expect(cronScheduleError(schedule)).toBeUndefined());

  test.each([
    ['', 'empty spec string'],
    ['error', 'expected exactly 5 fields, found 1: [error]'],
    ['* * * *', 'expected exactly 5 fields, found 4: [* * * *]'],
    ['0 * * * * *', 'expected exactly 5 fields, found 6: [0 * * * * *]'],
    ['5 j * * *', 'failed to parse int from j: strconv.Atoi: parsing "j": invalid syntax'],
    ['99 * * * *', 'end of range (99) above maximum (59): 99'],
    ['0 24 * * *', 'end of range (24) above maximum (23): 24'],
    ['0 0 0 * *', 'beginning of range (0) below minimum (1): 0'],
    ['0 0 32 * *', 'end of range (32) above maximum (31): 32'],
    ['0 0 * 13 *', 'end of range (13) above maximum (12): 13'],
    ['0 0 * * 7', 'end of range (7) above maximum (6): 7'],
    ['0 0 * * MON-SUN', 'beginning of range (1) beyond end of range (0): MON-SUN'],
    ['5-3 * * * *', 'beginning of range (5) beyond end of range (3): 5-3'],
    ['*/0 * * * *', 'step of range should be a positive number: */0'],
    ['*//2 * * * *', 'too many slashes: *//2'],
    ['5--5 * * * *', 'too many hyphens: 5--5'],
    ['*/-12 * * * *', 'negative number (-12) not allowed: -12'],
    ['0 0 * JANUARY *', 'failed to parse int from JANUARY: strconv.Atoi: parsing "JANUARY": invalid syntax'],
    ['@every Xm', 'failed to parse duration @every Xm: time: invalid duration "Xm"'],
    ['@every 10', 'failed to parse duration @every 10: time: missing unit in duration "10"'],
    ['@every 1d', 'failed to parse duration @every 1d: time: unknown unit "d" in duration "1d"'],
    ['@unrecognized', 'unrecognized descriptor: @unrecognized'],
    ['@daily ', 'unrecognized descriptor: @daily '],
    ['TZ=Nowhere/Zone 0 * * * *', 'provided bad location Nowhere/Zone: unknown time zone Nowhere/Zone'],
  ])('refuses %j: %s', (schedule, message) => expect(cronScheduleError(schedule)).toBe(message));
});

describe('isTimeZone', () => {
  test.each([
    'UTC',
    'Etc/UTC',
    'Europe/Paris',
    'America/New_York',
    'US/Eastern',
    'Asia/Calcutta',
    'Asia/Kolkata',
    'Etc/GMT-14',
    'EST5EDT',
    'America/Argentina/ComodRivadavia',
    'America/Port-au-Prince',
  ])('accepts %j', (tz) => expect(isTimeZone(tz)).toBe(true));
  test.each([
    '',
    'Local',
    'local',
    'europe/paris',
    'EUROPE/PARIS',
    '+01:00',
    'UTC+1',
    'Europe/../Paris',
    '/etc/localtime',
    'Mars/Olympus',
    'Europe/Paris ',
    'Europe//Paris',
    'Europe/',
  ])('refuses %j', (tz) => expect(isTimeZone(tz)).toBe(false));
});

describe('toLabelValue', () => {
  test.each([
    ['1.0.3', '1.0.3'],
    ['v1.2.3+build.7', 'v1.2.3-build.7'],
    ['sha256:abc', 'sha256-abc'],
    ['Hello World!', 'Hello-World'],
    ['-a-', 'a'],
    ['', ''],
    ['!!!', ''],
    ['café', 'caf'],
    [`${a(62)}_b`, a(62)],
    [a(80), a(63)],
  ])('%j → %j, a valid label value', (raw, expected) => {
    expect(toLabelValue(raw)).toBe(expected);
    expect(labelValueErrors(toLabelValue(raw))).toEqual([]);
  });
});

// ------------------------------------------------------------------------------------------
// validateObjects: one valid object per kind, and a table of single changes that break it.
// ------------------------------------------------------------------------------------------

const NS = 'booksync';
const LABELS = { 'app.kubernetes.io/name': 'api', 'app.kubernetes.io/part-of': 'booksync' };
const container = (): any => ({
  name: 'api',
  image: 'ghcr.io/example/api:1.0.3',
  ports: [
    { name: 'http', containerPort: 8000 },
    { name: 'metrics', containerPort: 9090, protocol: 'TCP' },
  ],
  env: [
    { name: 'LOG_LEVEL', value: 'info' },
    { name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'db', key: 'password' } } },
  ],
  resources: {
    requests: { cpu: '100m', memory: '128Mi', 'ephemeral-storage': '64Mi' },
    limits: { cpu: 1, memory: '256Mi', 'ephemeral-storage': '128Mi' },
  },
  volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
  startupProbe: { exec: { command: ['true'] }, failureThreshold: 30 },
  readinessProbe: { httpGet: { path: '/health', port: 'http' } },
  livenessProbe: { tcpSocket: { port: 8000 }, successThreshold: 1 },
  securityContext: { runAsUser: 1000, runAsGroup: 1000, allowPrivilegeEscalation: false, seccompProfile: { type: 'RuntimeDefault' } },
});
const podSpec = (restartPolicy?: string): any => ({
  ...(restartPolicy ? { restartPolicy } : {}),
  initContainers: [{ name: 'migrate', image: 'ghcr.io/example/api:1.0.3', command: ['migrate'] }],
  containers: [container()],
  volumes: [
    { name: 'tmp', emptyDir: { sizeLimit: '64Mi' } },
    { name: 'config', configMap: { name: 'settings', defaultMode: 0o444 } },
  ],
  securityContext: { fsGroup: 1000, runAsNonRoot: true },
});
const claimSpec = (storage: string): any => ({ accessModes: ['ReadWriteOnce'], resources: { requests: { storage } } });
const rule = (host: string, ...paths: any[]): any => ({ host, http: { paths } });
const meta = (name: string): any => ({ name, namespace: NS, labels: { ...LABELS }, annotations: { 'example.com/Note': 'x' } });

const FIXTURES = {
  Namespace: { apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS, labels: { 'kubernetes.io/metadata.name': NS } } },
  ConfigMap: {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: meta('settings'),
    data: { 'app.yaml': 'a: 1', '.env': 'X=1' },
    binaryData: { 'logo.png': 'iVBORw==' },
  },
  Secret: {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: meta('db-tls'),
    type: 'kubernetes.io/tls',
    data: { 'tls.crt': 'Y2VydA==', 'tls.key': 'a2V5' },
    stringData: { password: 'p' },
  },
  Service: {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: meta('api'),
    spec: {
      selector: { ...LABELS },
      ports: [
        { name: 'http', port: 80, targetPort: 'http' },
        { name: 'metrics', port: 9090, targetPort: 9090, protocol: 'TCP' },
      ],
    },
  },
  Deployment: {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: meta('api'),
    spec: {
      replicas: 2,
      selector: { matchLabels: { ...LABELS } },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 } },
      template: { metadata: { labels: { ...LABELS, 'app.kubernetes.io/version': '1.0.3' } }, spec: podSpec() },
    },
  },
  StatefulSet: {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: meta('postgres'),
    spec: {
      serviceName: 'postgres',
      replicas: 1,
      selector: { matchLabels: { ...LABELS } },
      template: {
        metadata: { labels: { ...LABELS } },
        spec: { ...podSpec(), containers: [{ ...container(), volumeMounts: [{ name: 'data', mountPath: '/var/lib/postgresql' }] }] },
      },
      volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: claimSpec('10Gi') }],
    },
  },
  CronJob: {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: meta('postgres-backup'),
    spec: {
      schedule: '0 3 * * *',
      timeZone: 'Europe/Paris',
      concurrencyPolicy: 'Forbid',
      startingDeadlineSeconds: 300,
      successfulJobsHistoryLimit: 3,
      jobTemplate: {
        metadata: { labels: { ...LABELS } },
        spec: { backoffLimit: 2, template: { metadata: { labels: { ...LABELS } }, spec: podSpec('OnFailure') } },
      },
    },
  },
  Job: { apiVersion: 'batch/v1', kind: 'Job', metadata: meta('init-db'), spec: { template: { spec: podSpec('Never') } } },
  Pod: { apiVersion: 'v1', kind: 'Pod', metadata: meta('debug'), spec: podSpec() },
  NetworkPolicy: {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'NetworkPolicy',
    metadata: meta('api'),
    spec: {
      podSelector: { matchLabels: { ...LABELS } },
      policyTypes: ['Ingress', 'Egress'],
      ingress: [
        {
          from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: {} }],
          ports: [{ port: 8000, protocol: 'TCP' }, { port: 'http' }, { port: 30000, endPort: 32767 }],
        },
      ],
      egress: [
        {
          to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8', '192.168.0.0/16'] } }, { ipBlock: { cidr: 'fd00::/8' } }],
          ports: [{ port: 443 }],
        },
      ],
    },
  },
  Ingress: {
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: meta('api'),
    spec: {
      ingressClassName: 'traefik',
      rules: [
        rule('booksync.home.arpa', { path: '/', pathType: 'Prefix', backend: { service: { name: 'api', port: { name: 'http' } } } }),
        rule('*.home.arpa', { path: '/x', pathType: 'Exact', backend: { service: { name: 'api', port: { number: 80 } } } }),
      ],
      tls: [{ hosts: ['booksync.home.arpa', '*.home.arpa'], secretName: 'booksync-tls' }],
    },
  },
  PersistentVolumeClaim: {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    metadata: meta('backups'),
    spec: {
      ...claimSpec('1Gi'),
      storageClassName: 'local-path',
    },
  },
  // Only metadata rules apply to custom resources.
  SealedSecret: { apiVersion: 'bitnami.com/v1alpha1', kind: 'SealedSecret', metadata: meta('db'), spec: { encryptedData: { 'x/y': 1 } } },
};
type Kind = keyof typeof FIXTURES;

const fixture = (kind: Kind): any => structuredClone(FIXTURES[kind]);
/** The pod spec of a workload fixture, to change in place. */
function pod(o: any): any {
  if (o.kind === 'CronJob') return o.spec.jobTemplate.spec.template.spec;
  return o.kind === 'Pod' ? o.spec : o.spec.template.spec;
}
const ctr = (o: any): any => pod(o).containers[0];
const CTR = 'spec.template.spec.containers[0]';
const CRON_POD = 'spec.jobTemplate.spec.template.spec';

test('one valid object of each kind passes', () => {
  expect(validateObjects(Object.values(FIXTURES))).toEqual([]);
});

// [what, kind, change, field, message (the start of it)]
const BROKEN: Array<[string, Kind, (o: any) => void, string, string]> = [
  // metadata (objectmeta.go, and the name rule of each kind)
  ['Namespace name with a dot', 'Namespace', (o) => (o.metadata.name = 'book.sync'), 'metadata.name', 'must not contain dots'],
  ['Namespace name upper case', 'Namespace', (o) => (o.metadata.name = 'BookSync'), 'metadata.name', 'a lowercase RFC 1123 label'],
  ['Service name starting with a digit', 'Service', (o) => (o.metadata.name = '1api'), 'metadata.name', 'a DNS-1035 label'],
  ['ConfigMap name of 254 chars', 'ConfigMap', (o) => (o.metadata.name = a(254)), 'metadata.name', 'must be no more than 253 characters'],
  ['no name', 'ConfigMap', (o) => delete o.metadata.name, 'metadata.name', 'Required value: name or generateName is required'],
  [
    'SealedSecret (a CRD) name upper case',
    'SealedSecret',
    (o) => (o.metadata.name = 'DB'),
    'metadata.name',
    'a lowercase RFC 1123 subdomain',
  ],
  ['namespace upper case', 'ConfigMap', (o) => (o.metadata.namespace = 'BookSync'), 'metadata.namespace', 'a lowercase RFC 1123 label'],
  ['label key with two slashes', 'ConfigMap', (o) => (o.metadata.labels['a/b/c'] = 'x'), 'metadata.labels[a/b/c]', 'a qualified name'],
  [
    'label value of 64 chars',
    'ConfigMap',
    (o) => (o.metadata.labels.tier = a(64)),
    'metadata.labels.tier',
    'must be no more than 63 characters',
  ],
  ['label value a number', 'ConfigMap', (o) => (o.metadata.labels.version = 1.5), 'metadata.labels.version', 'must be a string'],
  ['annotation key ending in "-"', 'ConfigMap', (o) => (o.metadata.annotations['note-'] = 'x'), 'metadata.annotations.note-', 'name part'],
  [
    'annotations over 256 KiB',
    'ConfigMap',
    (o) => (o.metadata.annotations.big = a(262144)),
    'metadata.annotations',
    'Too long: may not be more than 262144 bytes',
  ],
  [
    'unqualified finalizer',
    'ConfigMap',
    (o) => (o.metadata.finalizers = ['cleanup']),
    'metadata.finalizers[0]',
    'name is neither a standard finalizer name nor is it fully qualified',
  ],
  ['CronJob name of 53 chars', 'CronJob', (o) => (o.metadata.name = a(53)), 'metadata.name', 'must be no more than 52 characters'],
  ['StatefulSet name of 53 chars', 'StatefulSet', (o) => (o.metadata.name = a(53)), 'metadata.name', 'must be no more than 52 characters'],
  ['StatefulSet name with a dot', 'StatefulSet', (o) => (o.metadata.name = 'pg.main'), 'metadata.name', 'must not contain dots'],
  ['Job name of 64 chars', 'Job', (o) => (o.metadata.name = a(64)), 'metadata.name', 'must be no more than 63 characters'],
  // workload selectors and templates (apps and core validation)
  [
    'selector not matching the template',
    'Deployment',
    (o) => (o.spec.selector.matchLabels.tier = 'web'),
    'spec.template.metadata.labels',
    '`selector` does not match template `labels`',
  ],
  [
    'StatefulSet expression not matching',
    'StatefulSet',
    (o) => (o.spec.selector.matchExpressions = [{ key: 'tier', operator: 'Exists' }]),
    'spec.template.metadata.labels',
    '`selector` does not match template `labels`',
  ],
  ['no selector', 'Deployment', (o) => delete o.spec.selector, 'spec.selector', 'Required value'],
  ['empty selector', 'StatefulSet', (o) => (o.spec.selector = {}), 'spec.selector', 'empty selector is invalid for statefulset'],
  [
    'In without values',
    'Deployment',
    (o) => (o.spec.selector.matchExpressions = [{ key: 'tier', operator: 'In', values: [] }]),
    'spec.selector.matchExpressions[0].values',
    "Required value: must be specified when `operator` is 'In' or 'NotIn'",
  ],
  [
    'selector operator unknown',
    'Deployment',
    (o) => (o.spec.selector.matchExpressions = [{ key: 'tier', operator: 'Is' }]),
    'spec.selector.matchExpressions[0].operator',
    'not a valid selector operator',
  ],
  [
    'selector value invalid',
    'Deployment',
    (o) => (o.spec.selector.matchLabels['app.kubernetes.io/name'] = 'api!'),
    'spec.selector.matchLabels[app.kubernetes.io/name]',
    'a valid label must be an empty string',
  ],
  [
    'template label value invalid',
    'Deployment',
    (o) => (o.spec.template.metadata.labels.version = 'v1+1'),
    'spec.template.metadata.labels.version',
    'a valid label must be an empty string',
  ],
  [
    'Deployment restartPolicy OnFailure',
    'Deployment',
    (o) => (pod(o).restartPolicy = 'OnFailure'),
    'spec.template.spec.restartPolicy',
    'Unsupported value: "OnFailure": supported values: "Always"',
  ],
  [
    'restartPolicy not an enum value',
    'Pod',
    (o) => (pod(o).restartPolicy = 'Sometimes'),
    'spec.restartPolicy',
    'Unsupported value: "Sometimes"',
  ],
  [
    'CronJob without restartPolicy',
    'CronJob',
    (o) => delete pod(o).restartPolicy,
    `${CRON_POD}.restartPolicy`,
    'Required value: valid values: "OnFailure", "Never"',
  ],
  ['Job restartPolicy Always', 'Job', (o) => (pod(o).restartPolicy = 'Always'), 'spec.template.spec.restartPolicy', 'Required value'],
  [
    'maxSurge and maxUnavailable both 0',
    'Deployment',
    (o) => (o.spec.strategy.rollingUpdate.maxSurge = 0),
    'spec.strategy.rollingUpdate.maxUnavailable',
    'may not be 0 when `maxSurge` is 0',
  ],
  [
    'maxSurge not a percentage',
    'Deployment',
    (o) => (o.spec.strategy.rollingUpdate.maxSurge = '25'),
    'spec.strategy.rollingUpdate.maxSurge',
    'a valid percent string',
  ],
  ['replicas negative', 'Deployment', (o) => (o.spec.replicas = -1), 'spec.replicas', 'must be greater than or equal to 0'],
  // containers
  ['no containers', 'Deployment', (o) => (pod(o).containers = []), 'spec.template.spec.containers', 'Required value'],
  ['container name upper case', 'Deployment', (o) => (ctr(o).name = 'API'), `${CTR}.name`, 'a lowercase RFC 1123 label'],
  [
    'init container named as a container',
    'Deployment',
    (o) => (pod(o).initContainers[0].name = 'api'),
    'spec.template.spec.initContainers[0].name',
    'Duplicate value',
  ],
  ['two containers of one name', 'Pod', (o) => pod(o).containers.push(container()), 'spec.containers[1].name', 'Duplicate value'],
  ['no image', 'Deployment', (o) => delete ctr(o).image, `${CTR}.image`, 'Required value'],
  [
    'image with a trailing space in a Pod',
    'Pod',
    (o) => (ctr(o).image += ' '),
    'spec.containers[0].image',
    'must not have leading or trailing',
  ],
  [
    'env name starting with a digit',
    'CronJob',
    (o) => (ctr(o).env[0].name = '1LOG'),
    `${CRON_POD}.containers[0].env[0].name`,
    'a valid environment variable name must consist of alphabetic characters',
  ],
  [
    'env name with a space (1.28 refuses it)',
    'Deployment',
    (o) => (ctr(o).env[0].name = 'LOG LEVEL'),
    `${CTR}.env[0].name`,
    'a valid environment variable name',
  ],
  ['env name ".."', 'Deployment', (o) => (ctr(o).env[0].name = '..'), `${CTR}.env[0].name`, "must not be '..'"],
  ['env name empty', 'Deployment', (o) => (ctr(o).env[0].name = ''), `${CTR}.env[0].name`, 'Required value'],
  ['env value a number', 'Deployment', (o) => (ctr(o).env[0].value = 8080), `${CTR}.env[0].value`, 'must be a string'],
  [
    'secretKeyRef key with a slash',
    'Deployment',
    (o) => (ctr(o).env[1].valueFrom.secretKeyRef.key = 'a/b'),
    `${CTR}.env[1].valueFrom.secretKeyRef.key`,
    'a valid config key must consist of alphanumeric characters',
  ],
  [
    'value and valueFrom',
    'Deployment',
    (o) => (ctr(o).env[1].value = 'x'),
    `${CTR}.env[1].valueFrom`,
    'may not be specified when `value` is not empty',
  ],
  [
    'fieldRef to an unknown field',
    'Deployment',
    (o) => (ctr(o).env[1].valueFrom = { fieldRef: { fieldPath: 'spec.nodeIP' } }),
    `${CTR}.env[1].valueFrom.fieldRef.fieldPath`,
    'Unsupported value: "spec.nodeIP"',
  ],
  ['two ports of one name', 'Deployment', (o) => (ctr(o).ports[1].name = 'http'), `${CTR}.ports[1].name`, 'Duplicate value'],
  [
    'port name of 16 chars',
    'Deployment',
    (o) => (ctr(o).ports[1].name = 'metrics-exporter'),
    `${CTR}.ports[1].name`,
    'must be no more than 15 characters',
  ],
  ['containerPort 0', 'Deployment', (o) => (ctr(o).ports[0].containerPort = 0), `${CTR}.ports[0].containerPort`, 'Required value'],
  [
    'containerPort 65536',
    'Deployment',
    (o) => (ctr(o).ports[0].containerPort = 65536),
    `${CTR}.ports[0].containerPort`,
    'must be between 1 and 65535, inclusive',
  ],
  [
    'containerPort a string',
    'Deployment',
    (o) => (ctr(o).ports[0].containerPort = '8000'),
    `${CTR}.ports[0].containerPort`,
    'must be an integer',
  ],
  ['protocol ICMP', 'Deployment', (o) => (ctr(o).ports[0].protocol = 'ICMP'), `${CTR}.ports[0].protocol`, 'Unsupported value: "ICMP"'],
  [
    'probe port name upper case',
    'Deployment',
    (o) => (ctr(o).readinessProbe.httpGet.port = 'HTTP'),
    `${CTR}.readinessProbe.httpGet.port`,
    'must contain only alpha-numeric characters',
  ],
  [
    'probe port 0',
    'Deployment',
    (o) => (ctr(o).livenessProbe.tcpSocket.port = 0),
    `${CTR}.livenessProbe.tcpSocket.port`,
    'must be between 1 and 65535, inclusive',
  ],
  [
    'probe port a number as text',
    'Deployment',
    (o) => (ctr(o).livenessProbe.tcpSocket.port = '8000'),
    `${CTR}.livenessProbe.tcpSocket.port`,
    'must contain at least one letter (a-z)',
  ],
  [
    'probe without a handler',
    'Deployment',
    (o) => (ctr(o).readinessProbe = { periodSeconds: 5 }),
    `${CTR}.readinessProbe`,
    'Required value: must specify a handler type',
  ],
  [
    'probe with two handlers',
    'Deployment',
    (o) => (ctr(o).livenessProbe.exec = { command: ['true'] }),
    `${CTR}.livenessProbe.tcpSocket`,
    'Forbidden: may not specify more than 1 handler type',
  ],
  [
    'liveness successThreshold 2',
    'Deployment',
    (o) => (ctr(o).livenessProbe.successThreshold = 2),
    `${CTR}.livenessProbe.successThreshold`,
    'must be 1',
  ],
  [
    'probe on a plain init container',
    'Deployment',
    (o) => (pod(o).initContainers[0].livenessProbe = { exec: { command: ['true'] } }),
    'spec.template.spec.initContainers[0].livenessProbe',
    'Forbidden: may not be set for init containers without restartPolicy=Always',
  ],
  [
    'restartPolicy on a container',
    'Deployment',
    (o) => (ctr(o).restartPolicy = 'Always'),
    `${CTR}.restartPolicy`,
    'Forbidden: may not be set for non-init containers',
  ],
  // volumes
  [
    'volume name upper case',
    'Deployment',
    (o) => (pod(o).volumes[0].name = 'Tmp'),
    'spec.template.spec.volumes[0].name',
    'a lowercase RFC 1123 label',
  ],
  [
    'two volumes of one name',
    'Deployment',
    (o) => (pod(o).volumes[1].name = 'tmp'),
    'spec.template.spec.volumes[1].name',
    'Duplicate value',
  ],
  [
    'volume without a type',
    'Deployment',
    (o) => (pod(o).volumes[1] = { name: 'x' }),
    'spec.template.spec.volumes[1]',
    'Required value: must specify a volume type',
  ],
  [
    'volume with two types',
    'Deployment',
    (o) => (pod(o).volumes[1].emptyDir = {}),
    'spec.template.spec.volumes[1].configMap',
    'Forbidden: may not specify more than 1 volume type',
  ],
  [
    'configMap defaultMode over 0777',
    'Deployment',
    (o) => (pod(o).volumes[1].configMap.defaultMode = 0o1000),
    'spec.template.spec.volumes[1].configMap.defaultMode',
    'must be a number between 0 and 0777 (octal), both inclusive',
  ],
  ['mount of a volume not there', 'Deployment', (o) => (ctr(o).volumeMounts[0].name = 'cache'), `${CTR}.volumeMounts[0].name`, 'Not found'],
  [
    'StatefulSet mount of no claim',
    'StatefulSet',
    (o) => (ctr(o).volumeMounts[0].name = 'pgdata'),
    `${CTR}.volumeMounts[0].name`,
    'Not found',
  ],
  [
    'two mounts at one path',
    'Deployment',
    (o) => ctr(o).volumeMounts.push({ name: 'config', mountPath: '/tmp' }),
    `${CTR}.volumeMounts[1].mountPath`,
    'must be unique',
  ],
  [
    'subPath absolute',
    'Deployment',
    (o) => (ctr(o).volumeMounts[0].subPath = '/x'),
    `${CTR}.volumeMounts[0].subPath`,
    'must be a relative path',
  ],
  [
    'subPath with ..',
    'Deployment',
    (o) => (ctr(o).volumeMounts[0].subPath = 'a/../b'),
    `${CTR}.volumeMounts[0].subPath`,
    "must not contain '..'",
  ],
  [
    'emptyDir sizeLimit not a quantity',
    'Deployment',
    (o) => (pod(o).volumes[0].emptyDir.sizeLimit = '64 Mi'),
    'spec.template.spec.volumes[0].emptyDir.sizeLimit',
    'quantities must match the regular expression',
  ],
  [
    'emptyDir sizeLimit negative',
    'Deployment',
    (o) => (pod(o).volumes[0].emptyDir.sizeLimit = '-1Gi'),
    'spec.template.spec.volumes[0].emptyDir.sizeLimit',
    'Forbidden: SizeLimit field must be a valid resource quantity',
  ],
  // resources
  [
    'memory "100mi"',
    'Deployment',
    (o) => (ctr(o).resources.limits.memory = '100mi'),
    `${CTR}.resources.limits.memory`,
    "unable to parse quantity's suffix",
  ],
  [
    'cpu "1 core"',
    'Deployment',
    (o) => (ctr(o).resources.requests.cpu = '1 core'),
    `${CTR}.resources.requests.cpu`,
    'quantities must match the regular expression',
  ],
  [
    'memory request above limit',
    'Deployment',
    (o) => (ctr(o).resources.requests.memory = '0.5Gi'),
    `${CTR}.resources.requests.memory`,
    'must be less than or equal to memory limit of 256Mi',
  ],
  [
    'cpu request above limit',
    'CronJob',
    (o) => (ctr(o).resources.requests.cpu = '1500m'),
    `${CRON_POD}.containers[0].resources.requests.cpu`,
    'must be less than or equal to cpu limit of 1',
  ],
  [
    'ephemeral-storage request above limit',
    'Deployment',
    (o) => (ctr(o).resources.requests['ephemeral-storage'] = '1G'),
    `${CTR}.resources.requests.ephemeral-storage`,
    'must be less than or equal to ephemeral-storage limit of 128Mi',
  ],
  [
    'negative memory',
    'Deployment',
    (o) => (ctr(o).resources.requests.memory = '-1Mi'),
    `${CTR}.resources.requests.memory`,
    'must be greater than or equal to 0',
  ],
  [
    'resource "gpu"',
    'Deployment',
    (o) => (ctr(o).resources.limits.gpu = '1'),
    `${CTR}.resources.limits.gpu`,
    'must be a standard resource for containers',
  ],
  [
    'extended resource fractional',
    'Deployment',
    (o) => (ctr(o).resources.limits['example.com/gpu'] = '0.5'),
    `${CTR}.resources.limits[example.com/gpu]`,
    'must be an integer',
  ],
  [
    'extended resource request without limit',
    'Deployment',
    (o) => (ctr(o).resources.requests['example.com/gpu'] = '1'),
    `${CTR}.resources.limits`,
    'Required value: Limit must be set for non overcommitable resources',
  ],
  // security contexts
  [
    'runAsUser negative',
    'Deployment',
    (o) => (ctr(o).securityContext.runAsUser = -1),
    `${CTR}.securityContext.runAsUser`,
    'must be between 0 and 4294967295, inclusive',
  ],
  [
    'runAsGroup negative',
    'Deployment',
    (o) => (ctr(o).securityContext.runAsGroup = -1),
    `${CTR}.securityContext.runAsGroup`,
    'must be between 0 and 4294967295, inclusive',
  ],
  [
    'fsGroup negative',
    'StatefulSet',
    (o) => (pod(o).securityContext.fsGroup = -5),
    'spec.template.spec.securityContext.fsGroup',
    'must be between 0 and 4294967295, inclusive',
  ],
  [
    'privileged without escalation',
    'Deployment',
    (o) => (ctr(o).securityContext.privileged = true),
    `${CTR}.securityContext`,
    'cannot set `allowPrivilegeEscalation` to false and `privileged` to true',
  ],
  // Service (core validation)
  ['Service port 0', 'Service', (o) => (o.spec.ports[0].port = 0), 'spec.ports[0].port', 'must be between 1 and 65535, inclusive'],
  ['Service port 70000', 'Service', (o) => (o.spec.ports[1].port = 70000), 'spec.ports[1].port', 'must be between 1 and 65535, inclusive'],
  ['Service ports without names', 'Service', (o) => delete o.spec.ports[1].name, 'spec.ports[1].name', 'Required value'],
  ['Service port names twice', 'Service', (o) => (o.spec.ports[1].name = 'http'), 'spec.ports[1].name', 'Duplicate value'],
  ['Service port name upper case', 'Service', (o) => (o.spec.ports[0].name = 'HTTP'), 'spec.ports[0].name', 'a lowercase RFC 1123 label'],
  ['Service port twice', 'Service', (o) => (o.spec.ports[1].port = 80), 'spec.ports[1]', 'Duplicate value'],
  ['Service without ports', 'Service', (o) => (o.spec.ports = []), 'spec.ports', 'Required value'],
  [
    'targetPort name with "_"',
    'Service',
    (o) => (o.spec.ports[0].targetPort = 'http_alt'),
    'spec.ports[0].targetPort',
    'must contain only alpha-numeric characters',
  ],
  ['targetPort 70000', 'Service', (o) => (o.spec.ports[1].targetPort = 70000), 'spec.ports[1].targetPort', 'must be between 1 and 65535'],
  ['Service type Internal', 'Service', (o) => (o.spec.type = 'Internal'), 'spec.type', 'Unsupported value: "Internal"'],
  [
    'nodePort on ClusterIP',
    'Service',
    (o) => (o.spec.ports[0].nodePort = 30080),
    'spec.ports[0].nodePort',
    "Forbidden: may not be used when `type` is 'ClusterIP'",
  ],
  ['Service selector value invalid', 'Service', (o) => (o.spec.selector.tier = '-web'), 'spec.selector.tier', 'a valid label must be'],
  ['clusterIP not an IP', 'Service', (o) => (o.spec.clusterIP = '10.0.0'), 'spec.clusterIP', 'must be a valid IP address'],
  // StatefulSet
  ['serviceName upper case', 'StatefulSet', (o) => (o.spec.serviceName = 'Postgres'), 'spec.serviceName', 'a lowercase RFC 1123 label'],
  [
    'claim template name upper case',
    'StatefulSet',
    (o) => (o.spec.volumeClaimTemplates[0].metadata.name = 'Data'),
    'spec.volumeClaimTemplates[0].metadata.name',
    'a lowercase RFC 1123 label',
  ],
  [
    'claim storage not a quantity',
    'StatefulSet',
    (o) => (o.spec.volumeClaimTemplates[0].spec.resources.requests.storage = '10 GB'),
    'spec.volumeClaimTemplates[0].spec.resources.requests.storage',
    'quantities must match the regular expression',
  ],
  [
    'claim access mode unknown',
    'StatefulSet',
    (o) => (o.spec.volumeClaimTemplates[0].spec.accessModes = ['ReadWriteSometimes']),
    'spec.volumeClaimTemplates[0].spec.accessModes',
    'Unsupported value: "ReadWriteSometimes"',
  ],
  [
    'podManagementPolicy unknown',
    'StatefulSet',
    (o) => (o.spec.podManagementPolicy = 'Random'),
    'spec.podManagementPolicy',
    "must be 'OrderedReady' or 'Parallel'",
  ],
  // CronJob (batch validation)
  ['schedule minute 99', 'CronJob', (o) => (o.spec.schedule = '99 3 * * *'), 'spec.schedule', 'end of range (99) above maximum (59): 99'],
  ['schedule with 6 fields', 'CronJob', (o) => (o.spec.schedule = '0 0 3 * * *'), 'spec.schedule', 'expected exactly 5 fields, found 6'],
  ['schedule empty', 'CronJob', (o) => (o.spec.schedule = ''), 'spec.schedule', 'Required value'],
  [
    'schedule with TZ=',
    'CronJob',
    (o) => (o.spec.schedule = 'TZ=UTC 0 3 * * *'),
    'spec.schedule',
    'cannot use TZ or CRON_TZ in schedule, use timeZone field instead',
  ],
  ['schedule with CRON_TZ=', 'CronJob', (o) => (o.spec.schedule = 'CRON_TZ=UTC 0 3 * * *'), 'spec.schedule', 'cannot use TZ or CRON_TZ'],
  ['timeZone lower case', 'CronJob', (o) => (o.spec.timeZone = 'europe/paris'), 'spec.timeZone', 'unknown time zone europe/paris'],
  ['timeZone an offset', 'CronJob', (o) => (o.spec.timeZone = '+01:00'), 'spec.timeZone', 'unknown time zone +01:00'],
  [
    'timeZone Local',
    'CronJob',
    (o) => (o.spec.timeZone = 'Local'),
    'spec.timeZone',
    'timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones',
  ],
  ['timeZone empty', 'CronJob', (o) => (o.spec.timeZone = ''), 'spec.timeZone', 'timeZone must be nil or non-empty string'],
  [
    'concurrencyPolicy Never',
    'CronJob',
    (o) => (o.spec.concurrencyPolicy = 'Never'),
    'spec.concurrencyPolicy',
    'Unsupported value: "Never": supported values: "Allow", "Forbid", "Replace"',
  ],
  [
    'startingDeadlineSeconds negative',
    'CronJob',
    (o) => (o.spec.startingDeadlineSeconds = -1),
    'spec.startingDeadlineSeconds',
    'must be greater than or equal to 0',
  ],
  [
    'successfulJobsHistoryLimit negative',
    'CronJob',
    (o) => (o.spec.successfulJobsHistoryLimit = -1),
    'spec.successfulJobsHistoryLimit',
    'must be greater than or equal to 0',
  ],
  [
    'selector in a jobTemplate',
    'CronJob',
    (o) => (o.spec.jobTemplate.spec.selector = { matchLabels: LABELS }),
    'spec.jobTemplate.spec.selector',
    '`selector` will be auto-generated',
  ],
  [
    'backoffLimit negative',
    'CronJob',
    (o) => (o.spec.jobTemplate.spec.backoffLimit = -1),
    'spec.jobTemplate.spec.backoffLimit',
    'must be greater than or equal to 0',
  ],
  [
    'jobTemplate label invalid',
    'CronJob',
    (o) => (o.spec.jobTemplate.metadata.labels.x = '!'),
    'spec.jobTemplate.metadata.labels.x',
    'a valid label must be',
  ],
  // NetworkPolicy (networking validation)
  [
    'policy port 0',
    'NetworkPolicy',
    (o) => (o.spec.ingress[0].ports[0].port = 0),
    'spec.ingress[0].ports[0].port',
    'must be between 1 and 65535',
  ],
  [
    'policy port 65536',
    'NetworkPolicy',
    (o) => (o.spec.egress[0].ports[0].port = 65536),
    'spec.egress[0].ports[0].port',
    'must be between 1',
  ],
  [
    'endPort below port',
    'NetworkPolicy',
    (o) => (o.spec.ingress[0].ports[2].endPort = 29999),
    'spec.ingress[0].ports[2].endPort',
    'must be greater than or equal to `port`',
  ],
  [
    'endPort with a named port',
    'NetworkPolicy',
    (o) => (o.spec.ingress[0].ports[1].endPort = 9000),
    'spec.ingress[0].ports[1].endPort',
    'may not be specified when `port` is non-numeric',
  ],
  [
    'policy protocol ICMP',
    'NetworkPolicy',
    (o) => (o.spec.ingress[0].ports[0].protocol = 'ICMP'),
    'spec.ingress[0].ports[0].protocol',
    'Unsupported value: "ICMP"',
  ],
  [
    'cidr /33',
    'NetworkPolicy',
    (o) => (o.spec.egress[0].to[0].ipBlock.cidr = '10.0.0.0/33'),
    'spec.egress[0].to[0].ipBlock.cidr',
    'must be a valid CIDR value',
  ],
  [
    'cidr with host bits',
    'NetworkPolicy',
    (o) => (o.spec.egress[0].to[1].ipBlock.cidr = 'fd00::1/8'),
    'spec.egress[0].to[1].ipBlock.cidr',
    'must not have bits set beyond the prefix length',
  ],
  [
    'cidr with leading zeros',
    'NetworkPolicy',
    (o) => (o.spec.egress[0].to[0].ipBlock.except[0] = '010.0.0.0/8'),
    'spec.egress[0].to[0].ipBlock.except[0]',
    'must not have leading 0s in IP or prefix length',
  ],
  [
    'except outside the cidr',
    'NetworkPolicy',
    (o) => (o.spec.egress[0].to[0].ipBlock.cidr = '10.0.0.0/8'),
    'spec.egress[0].to[0].ipBlock.except[1]',
    'must be a strict subset of `cidr`',
  ],
  [
    'except equal to the cidr',
    'NetworkPolicy',
    (o) => (o.spec.egress[0].to[0].ipBlock.except = ['0.0.0.0/0']),
    'spec.egress[0].to[0].ipBlock.except[0]',
    'must be a strict subset of `cidr`',
  ],
  [
    'ipBlock with a podSelector',
    'NetworkPolicy',
    (o) => (o.spec.egress[0].to[0].podSelector = {}),
    'spec.egress[0].to[0]',
    'Forbidden: may not specify both ipBlock and another peer',
  ],
  [
    'peer empty',
    'NetworkPolicy',
    (o) => (o.spec.ingress[0].from[0] = {}),
    'spec.ingress[0].from[0]',
    'Required value: must specify a peer',
  ],
  [
    'podSelector label invalid',
    'NetworkPolicy',
    (o) => (o.spec.podSelector.matchLabels['app.kubernetes.io/name'] = 'a b'),
    'spec.podSelector.matchLabels[app.kubernetes.io/name]',
    'a valid label must be',
  ],
  ['policyTypes Both', 'NetworkPolicy', (o) => (o.spec.policyTypes = ['Both']), 'spec.policyTypes', 'Unsupported value: "Both"'],
  // Ingress (networking validation)
  ['host an IP', 'Ingress', (o) => (o.spec.rules[0].host = '192.168.1.10'), 'spec.rules[0].host', 'must be a DNS name, not an IP address'],
  [
    'host upper case',
    'Ingress',
    (o) => (o.spec.rules[0].host = 'BookSync.home.arpa'),
    'spec.rules[0].host',
    'a lowercase RFC 1123 subdomain',
  ],
  [
    'host with two wildcards',
    'Ingress',
    (o) => (o.spec.rules[1].host = '*.*.home.arpa'),
    'spec.rules[1].host',
    'a wildcard DNS-1123 subdomain',
  ],
  ['host wildcard inside', 'Ingress', (o) => (o.spec.rules[1].host = 'foo.*.arpa'), 'spec.rules[1].host', 'a wildcard DNS-1123 subdomain'],
  [
    'Prefix path relative',
    'Ingress',
    (o) => (o.spec.rules[0].http.paths[0].path = 'api'),
    'spec.rules[0].http.paths[0].path',
    'must be an absolute path',
  ],
  [
    'Exact path with //',
    'Ingress',
    (o) => (o.spec.rules[1].http.paths[0].path = '/a//b'),
    'spec.rules[1].http.paths[0].path',
    "must not contain '//'",
  ],
  [
    'no pathType',
    'Ingress',
    (o) => delete o.spec.rules[0].http.paths[0].pathType,
    'spec.rules[0].http.paths[0].pathType',
    'Required value: pathType must be specified',
  ],
  ['no paths', 'Ingress', (o) => (o.spec.rules[0].http.paths = []), 'spec.rules[0].http.paths', 'Required value'],
  [
    'backend Service name starting with a digit',
    'Ingress',
    (o) => (o.spec.rules[0].http.paths[0].backend.service.name = '1api'),
    'spec.rules[0].http.paths[0].backend.service.name',
    'a DNS-1035 label',
  ],
  [
    'backend port 0 and no name',
    'Ingress',
    (o) => (o.spec.rules[0].http.paths[0].backend.service.port = { number: 0 }),
    'spec.rules[0].http.paths[0].backend',
    'Required value: port name or number is required',
  ],
  [
    'backend port 70000',
    'Ingress',
    (o) => (o.spec.rules[1].http.paths[0].backend.service.port.number = 70000),
    'spec.rules[1].http.paths[0].backend.service.port.number',
    'must be between 1 and 65535',
  ],
  [
    'backend port name invalid',
    'Ingress',
    (o) => (o.spec.rules[0].http.paths[0].backend.service.port.name = 'Http'),
    'spec.rules[0].http.paths[0].backend.service.port.name',
    'must contain only alpha-numeric characters',
  ],
  [
    'backend port name and number',
    'Ingress',
    (o) => (o.spec.rules[0].http.paths[0].backend.service.port.number = 80),
    'spec.rules[0].http.paths[0].backend',
    'cannot set both port name & port number',
  ],
  [
    'tls host invalid',
    'Ingress',
    (o) => (o.spec.tls[0].hosts[0] = 'booksync_home'),
    'spec.tls[0].hosts[0]',
    'a lowercase RFC 1123 subdomain',
  ],
  [
    'tls secretName invalid',
    'Ingress',
    (o) => (o.spec.tls[0].secretName = 'Booksync-TLS'),
    'spec.tls[0].secretName',
    'a lowercase RFC 1123 subdomain',
  ],
  [
    'no rules and no default backend',
    'Ingress',
    (o) => (o.spec.rules = []),
    'spec',
    'either `defaultBackend` or `rules` must be specified',
  ],
  [
    'ingress.class annotation differing',
    'Ingress',
    (o) => (o.metadata.annotations['kubernetes.io/ingress.class'] = 'nginx'),
    'metadata.annotations[kubernetes.io/ingress.class]',
    'must match `ingressClassName` when both are specified',
  ],
  // PersistentVolumeClaim (core validation)
  [
    'no access modes',
    'PersistentVolumeClaim',
    (o) => (o.spec.accessModes = []),
    'spec.accessModes',
    'Required value: at least 1 access mode is required',
  ],
  [
    'ReadWriteOncePod with another mode',
    'PersistentVolumeClaim',
    (o) => o.spec.accessModes.push('ReadWriteOncePod'),
    'spec.accessModes',
    'Forbidden: may not use ReadWriteOncePod with other access modes',
  ],
  [
    'no storage request',
    'PersistentVolumeClaim',
    (o) => delete o.spec.resources.requests.storage,
    'spec.resources.requests.storage',
    'Required value',
  ],
  [
    'storage 0',
    'PersistentVolumeClaim',
    (o) => (o.spec.resources.requests.storage = '0'),
    'spec.resources.requests.storage',
    'must be greater than zero',
  ],
  [
    'storage "lots"',
    'PersistentVolumeClaim',
    (o) => (o.spec.resources.requests.storage = 'lots'),
    'spec.resources.requests.storage',
    'quantities must match the regular expression',
  ],
  [
    'storageClassName with "_"',
    'PersistentVolumeClaim',
    (o) => (o.spec.storageClassName = 'local_path'),
    'spec.storageClassName',
    'a lowercase RFC 1123 subdomain',
  ],
  // ConfigMap and Secret (core validation)
  [
    'data key with a slash',
    'ConfigMap',
    (o) => (o.data['conf/app.yaml'] = 'x'),
    'data[conf/app.yaml]',
    "a valid config key must consist of alphanumeric characters, '-', '_' or '.'",
  ],
  ['data key ".."', 'ConfigMap', (o) => (o.data['..'] = 'x'), 'data[..]', "must not be '..'"],
  ['data key "..x"', 'ConfigMap', (o) => (o.data['..x'] = 'x'), 'data[..x]', "must not start with '..'"],
  ['data key of 254 chars', 'ConfigMap', (o) => (o.data[a(254)] = 'x'), `data.${a(254)}`, 'must be no more than 253 characters'],
  ['data value a number', 'ConfigMap', (o) => (o.data.port = 8080), 'data.port', 'must be a string'],
  ['data over 1 MiB', 'ConfigMap', (o) => (o.data.big = a(1024 * 1024)), 'data', 'Too long: may not be more than 1048576 bytes'],
  ['binaryData not base64', 'ConfigMap', (o) => (o.binaryData['logo.png'] = 'not base64!'), 'binaryData[logo.png]', 'illegal base64 data'],
  [
    'key in data and binaryData',
    'ConfigMap',
    (o) => (o.data['logo.png'] = 'x'),
    'data[logo.png]',
    'duplicate of key present in binaryData',
  ],
  ['TLS Secret without tls.key', 'Secret', (o) => delete o.data['tls.key'], 'data[tls.key]', 'Required value'],
  ['Secret data not base64', 'Secret', (o) => (o.data['tls.crt'] = 'cert!'), 'data[tls.crt]', 'illegal base64 data'],
  ['stringData key with a space', 'Secret', (o) => (o.stringData['db password'] = 'p'), 'stringData[db password]', 'a valid config key'],
];

describe('validateObjects refuses', () => {
  test.each(BROKEN)('%s', (_what, kind, change, field, message) => {
    const o = fixture(kind);
    change(o);
    const found = validateObjects([o]);
    expect(found.map((v) => [v.field, v.message.slice(0, message.length)])).toContainEqual([field, message]);
  });
});

describe('validateObjects reports', () => {
  test('the object as "Kind namespace/name", or "Kind name" when cluster-scoped', () => {
    const cron = fixture('CronJob');
    cron.spec.schedule = '0 3 * *';
    const namespace = fixture('Namespace');
    namespace.metadata.namespace = 'ignored';
    namespace.metadata.name = 'Bad';
    expect(validateObjects([cron, namespace]).map((v) => v.object)).toEqual(['CronJob booksync/postgres-backup', 'Namespace Bad']);
  });

  test('in object order, then field order', () => {
    const first = fixture('Deployment');
    first.metadata.labels.x = '!';
    ctr(first).env[0].name = '1X';
    const second = fixture('Service');
    second.spec.ports[0].port = 0;
    const found = validateObjects([first, second]);
    expect(found.map((v) => `${v.object} ${v.field}`)).toEqual([
      'Deployment booksync/api metadata.labels.x',
      `Deployment booksync/api ${CTR}.env[0].name`,
      'Service booksync/api spec.ports[0].port',
    ]);
  });

  test('the value as a string, truncated to 200 characters', () => {
    const o = fixture('ConfigMap');
    o.metadata.name = 'x'.repeat(300);
    const [violation] = validateObjects([o]);
    expect(violation.value).toHaveLength(200);
    expect(violation.value.endsWith('…')).toBe(true);
  });

  test('never the contents of a Secret', () => {
    const o = fixture('Secret');
    o.type = 'kubernetes.io/dockerconfigjson';
    o.data = { '.dockerconfigjson': Buffer.from('{"auths": hunter2').toString('base64') };
    const found = validateObjects([o]);
    expect(found.map((v) => [v.field, v.value])).toEqual([['data[.dockerconfigjson]', '<secret contents redacted>']]);
    expect(JSON.stringify(found)).not.toContain('hunter2');
  });

  test('nothing for a field the server defaults (restartPolicy, protocol, targetPort, concurrencyPolicy)', () => {
    const deployment = fixture('Deployment');
    const service = fixture('Service');
    delete ctr(deployment).ports[1].protocol;
    delete service.spec.ports[1].targetPort;
    const cron = fixture('CronJob');
    delete cron.spec.concurrencyPolicy;
    expect(validateObjects([deployment, service, cron])).toEqual([]);
  });
});

test('every object synthesized from the real configs passes, the Argo CD folder included', () => {
  const environments = listEnvironments(CONFIG_DIR);
  expect(environments.length).toBeGreaterThan(0);
  for (const env of environments) {
    const config = loadEnvironment(CONFIG_DIR, env);
    const systems = synthesizeObjects(config);
    const objects = [...[...systems.values()].flat(), ...synthesizeArgoCd(env, config, systems)];
    expect(objects.length).toBeGreaterThan(0);
    expect([env, validateObjects(objects)]).toEqual([env, []]);
  }
});
