/**
 * The syntax rules the Kubernetes API server (1.28–1.34) applies to the objects this project
 * synthesizes, so that an object the cluster would refuse is refused at synth time instead.
 *
 * Mirrored, with their messages, from kubernetes/kubernetes:
 *  - staging/src/k8s.io/apimachinery/pkg/util/validation/validation.go and
 *    pkg/api/validate/content (DNS names, label keys and values, port, env and config-key names)
 *  - staging/src/k8s.io/apimachinery/pkg/api/validation/objectmeta.go (metadata)
 *  - staging/src/k8s.io/apimachinery/pkg/api/resource/quantity.go (quantities)
 *  - pkg/apis/core/validation/validation.go (pods, Services, ConfigMaps, Secrets, PVCs, IPs)
 *  - pkg/apis/apps/validation/validation.go, pkg/apis/batch/validation/validation.go,
 *    pkg/apis/networking/validation/validation.go
 *  - github.com/robfig/cron/v3 parser.go (CronJob schedules, through cron.ParseStandard)
 * Where the versions differ the strictest rule of the range applies (env names as in 1.28,
 * StatefulSet names as DNS labels, CIDRs as strictly as 1.33+). Defaulted fields are checked
 * only when set, as the server defaults them before it validates.
 */

export interface Violation {
  /** "CronJob booksync/postgres-backup" (kind namespace/name, or kind name when cluster-scoped or no namespace) */
  readonly object: string;
  /** dotted path in the object, with list indexes: "spec.jobTemplate.spec.template.spec.containers[0].env[3].name" */
  readonly field: string;
  /** the offending value as a string (truncated to 200 chars with "…" if longer) */
  readonly value: string;
  /** what the API server would say, short: "must be no more than 63 characters" */
  readonly message: string;
}

// ------------------------------------------------------------------------------------------
// Messages, as apimachinery words them
// ------------------------------------------------------------------------------------------

/** Go's len(): the length rules count UTF-8 bytes. */
const byteLength = (s: string): number => Buffer.byteLength(s, 'utf8');
const maxLenError = (n: number): string => `must be no more than ${n} characters`;

/** validation.RegexError: "msg (e.g. 'a',  or 'b', regex used for validation is 'fmt')". */
function regexError(msg: string, fmt: string, ...examples: string[]): string {
  if (examples.length === 0) return `${msg} (regex used for validation is '${fmt}')`;
  return `${msg} (e.g. ${examples.map((e) => `'${e}', `).join(' or ')}regex used for validation is '${fmt}')`;
}

const required = (detail = ''): string => (detail ? `Required value: ${detail}` : 'Required value');
const forbidden = (detail: string): string => `Forbidden: ${detail}`;
const tooLong = (bytes: number): string => `Too long: may not be more than ${bytes} bytes`;
const DUPLICATE = 'Duplicate value';
const NOT_FOUND = 'Not found';
const NEGATIVE = 'must be greater than or equal to 0';
const PORT_RANGE = 'must be between 1 and 65535, inclusive';
const ID_RANGE = 'must be between 0 and 4294967295, inclusive';
const FILE_MODE = 'must be a number between 0 and 0777 (octal), both inclusive';

function unsupported(value: unknown, supported: readonly string[]): string {
  return `Unsupported value: ${JSON.stringify(value)}: supported values: ${supported.map((s) => `"${s}"`).join(', ')}`;
}

// ------------------------------------------------------------------------------------------
// Names, labels, ports (apimachinery util/validation and api/validate/content)
// ------------------------------------------------------------------------------------------

const full = (fmt: string): RegExp => new RegExp(`^(?:${fmt})$`);
const DNS1123_LABEL = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const DNS1123_SUBDOMAIN = `${DNS1123_LABEL}(\\.${DNS1123_LABEL})*`;
const DNS1035_LABEL = '[a-z]([-a-z0-9]*[a-z0-9])?';
const WILDCARD_SUBDOMAIN = `\\*\\.${DNS1123_SUBDOMAIN}`;
const LABEL_KEY = '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]';
const LABEL_VALUE = `(${LABEL_KEY})?`;
const ENV_NAME = '[-._a-zA-Z][-._a-zA-Z0-9]*';
const CONFIG_KEY = '[-._a-zA-Z0-9]+';
const HTTP_HEADER = '[-A-Za-z0-9]+';

const DNS1123_LABEL_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end " +
  'with an alphanumeric character';
const DNS1123_SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', " +
  'and must start and end with an alphanumeric character';
const DNS1035_LABEL_MSG =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', " +
  'start with an alphabetic character, and end with an alphanumeric character';
const WILDCARD_MSG =
  "a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, " +
  "which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character";
const LABEL_KEY_MSG = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const LABEL_VALUE_MSG =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and " +
  'end with an alphanumeric character';
const ENV_NAME_MSG =
  "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not " + 'start with a digit';

export function dns1123LabelErrors(v: string): string[] {
  const errs: string[] = [];
  if (byteLength(v) > 63) errs.push(maxLenError(63));
  if (!full(DNS1123_LABEL).test(v)) {
    // A valid subdomain that is not a label (the length was checked above) has dots.
    const dots = full(DNS1123_SUBDOMAIN).test(v);
    errs.push(dots ? 'must not contain dots' : regexError(DNS1123_LABEL_MSG, DNS1123_LABEL, 'my-name', '123-abc'));
  }
  return errs;
}

export function dns1123SubdomainErrors(v: string): string[] {
  const errs: string[] = [];
  if (byteLength(v) > 253) errs.push(maxLenError(253));
  if (!full(DNS1123_SUBDOMAIN).test(v)) errs.push(regexError(DNS1123_SUBDOMAIN_MSG, DNS1123_SUBDOMAIN, 'example.com'));
  return errs;
}

export function dns1035LabelErrors(v: string): string[] {
  const errs: string[] = [];
  if (byteLength(v) > 63) errs.push(maxLenError(63));
  if (!full(DNS1035_LABEL).test(v)) errs.push(regexError(DNS1035_LABEL_MSG, DNS1035_LABEL, 'my-name', 'abc-123'));
  return errs;
}

function wildcardSubdomainErrors(v: string): string[] {
  const errs: string[] = [];
  if (byteLength(v) > 253) errs.push(maxLenError(253));
  if (!full(WILDCARD_SUBDOMAIN).test(v)) errs.push(regexError(WILDCARD_MSG, WILDCARD_SUBDOMAIN, '*.example.com'));
  return errs;
}

/** IsQualifiedName / IsLabelKey: label and annotation keys, finalizers, resource names. */
export function qualifiedNameErrors(v: string): string[] {
  const errs: string[] = [];
  const parts = v.split('/');
  if (parts.length > 2) {
    return [
      `a qualified name ${regexError(LABEL_KEY_MSG, LABEL_KEY, 'MyName', 'my.name', '123-abc')}` +
        " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
    ];
  }
  const name = parts[parts.length - 1];
  if (parts.length === 2) {
    if (parts[0] === '') errs.push('prefix part must be non-empty');
    else errs.push(...dns1123SubdomainErrors(parts[0]).map((e) => `prefix part ${e}`));
  }
  if (name === '') errs.push('name part must be non-empty');
  else if (byteLength(name) > 63) errs.push(`name part ${maxLenError(63)}`);
  if (!full(LABEL_KEY).test(name)) errs.push(`name part ${regexError(LABEL_KEY_MSG, LABEL_KEY, 'MyName', 'my.name', '123-abc')}`);
  return errs;
}

export function labelValueErrors(v: string): string[] {
  const errs: string[] = [];
  if (byteLength(v) > 63) errs.push(maxLenError(63));
  if (!full(LABEL_VALUE).test(v)) errs.push(regexError(LABEL_VALUE_MSG, LABEL_VALUE, 'MyValue', 'my_value', '12345'));
  return errs;
}

/** IsValidPortName: an IANA_SVC_NAME (RFC 6335), lower case only. */
export function portNameErrors(v: string): string[] {
  const errs: string[] = [];
  if (byteLength(v) > 15) errs.push(maxLenError(15));
  if (!/^[-a-z0-9]+$/.test(v)) errs.push('must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)');
  if (!/[a-z]/.test(v)) errs.push('must contain at least one letter (a-z)');
  if (v.includes('--')) errs.push('must not contain consecutive hyphens');
  if (v.startsWith('-') || v.endsWith('-')) errs.push('must not begin or end with a hyphen');
  return errs;
}

function chDirPrefixErrors(v: string): string[] {
  if (v === '.') return ["must not be '.'"];
  if (v === '..') return ["must not be '..'"];
  return v.startsWith('..') ? ["must not start with '..'"] : [];
}

/** IsEnvVarName, the strict rule of 1.28 (1.30–1.34 relax it behind RelaxedEnvironmentVariableValidation). */
function envVarNameErrors(v: string): string[] {
  const errs = full(ENV_NAME).test(v) ? [] : [regexError(ENV_NAME_MSG, ENV_NAME, 'my.env-name', 'MY_ENV.NAME', 'MyEnvName1')];
  return [...errs, ...chDirPrefixErrors(v)];
}

/** IsConfigMapKey: data keys of ConfigMaps and Secrets, and the keys env and volumes take from them. */
function configMapKeyErrors(v: string): string[] {
  const errs: string[] = [];
  if (byteLength(v) > 253) errs.push(maxLenError(253));
  if (!full(CONFIG_KEY).test(v)) {
    const msg = "a valid config key must consist of alphanumeric characters, '-', '_' or '.'";
    errs.push(regexError(msg, CONFIG_KEY, 'key.name', 'KEY_NAME', 'key-name'));
  }
  return [...errs, ...chDirPrefixErrors(v)];
}

const portNumErrors = (n: number): string[] => (n >= 1 && n <= 65535 ? [] : [PORT_RANGE]);

/** path.IsValidPathSegmentName: RBAC object names. */
function pathSegmentErrors(v: string): string[] {
  if (v === '.' || v === '..') return [`may not be '${v}'`];
  return ['/', '%'].filter((c) => v.includes(c)).map((c) => `may not contain '${c}'`);
}

/**
 * A valid label value derived from any string: invalid characters become "-", at most 63
 * chars, begins and ends alphanumeric ("" stays ""). Deterministic.
 */
export function toLabelValue(raw: string): string {
  const replaced = Array.from(raw, (ch) => (/^[A-Za-z0-9._-]$/.test(ch) ? ch : '-')).join('');
  return replaced
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, 63)
    .replace(/[^A-Za-z0-9]+$/, '');
}

// ------------------------------------------------------------------------------------------
// Quantities (apimachinery api/resource/quantity.go)
// ------------------------------------------------------------------------------------------

const QUANTITY_FORMAT = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
const QUANTITY_SUFFIX = "unable to parse quantity's suffix";
const DECIMAL_SUFFIXES = new Map([
  ['n', -9],
  ['u', -6],
  ['m', -3],
  ['', 0],
  ['k', 3],
  ['M', 6],
  ['G', 9],
  ['T', 12],
  ['P', 15],
  ['E', 18],
]);
const BINARY_SUFFIXES = new Map([
  ['Ki', 10],
  ['Mi', 20],
  ['Gi', 30],
  ['Ti', 40],
  ['Pi', 50],
  ['Ei', 60],
]);

interface ParsedQuantity {
  negative: boolean;
  num: string;
  denom: string;
  base: 2 | 10;
  exponent: number;
}

/** parseQuantityString and the suffixer of ParseQuantity: the parts, or the error message. */
function scanQuantity(str: string): ParsedQuantity | string {
  if (str === '') return QUANTITY_FORMAT;
  let pos = 0;
  const negative = str[0] === '-';
  if (str[0] === '-' || str[0] === '+') pos++;
  const digits = (from: number): number => {
    let i = from;
    while (i < str.length && str[i] >= '0' && str[i] <= '9') i++;
    return i;
  };
  while (pos < str.length && str[pos] === '0') pos++;
  const numEnd = digits(pos);
  const num = str.slice(pos, numEnd) || '0';
  pos = numEnd;
  let denom = '';
  if (str[pos] === '.') {
    const denomEnd = digits(pos + 1);
    denom = str.slice(pos + 1, denomEnd);
    pos = denomEnd;
  }
  const suffixStart = pos;
  while (pos < str.length && 'eEinumkKMGTP'.includes(str[pos])) pos++;
  if (str[pos] === '-' || str[pos] === '+') pos++;
  if (digits(pos) !== str.length) return QUANTITY_FORMAT;
  const suffix = str.slice(suffixStart);
  const decimal = DECIMAL_SUFFIXES.get(suffix);
  if (decimal !== undefined) return { negative, num, denom, base: 10, exponent: decimal };
  const binary = BINARY_SUFFIXES.get(suffix);
  if (binary !== undefined) return { negative, num, denom, base: 2, exponent: binary };
  if (suffix.length > 1 && (suffix[0] === 'e' || suffix[0] === 'E') && /^[+-]?[0-9]+$/.test(suffix.slice(1))) {
    const exponent = BigInt(suffix.slice(1));
    if (exponent >= -(2n ** 63n) && exponent < 2n ** 63n) return { negative, num, denom, base: 10, exponent: Number(exponent) };
  }
  return QUANTITY_SUFFIX;
}

/** resource.ParseQuantity: [] when the string is a quantity ("500m", "1.5Gi", "1e3"), else why not. */
export function quantityErrors(v: string): string[] {
  const parsed = scanQuantity(v);
  return typeof parsed === 'string' ? [parsed] : [];
}

/** A quantity as an exact fraction, for comparisons (exponents beyond ±1000 are clamped). */
function quantityFraction(q: ParsedQuantity): { n: bigint; d: bigint } {
  const exponent = BigInt(Math.max(-1000, Math.min(1000, q.exponent)));
  let n = BigInt(q.num + q.denom) * (q.negative ? -1n : 1n);
  let d = 10n ** BigInt(q.denom.length);
  const factor = (q.base === 10 ? 10n : 2n) ** (exponent < 0n ? -exponent : exponent);
  if (exponent < 0n) d *= factor;
  else n *= factor;
  return { n, d };
}

function compareQuantities(a: ParsedQuantity, b: ParsedQuantity): number {
  const x = quantityFraction(a);
  const y = quantityFraction(b);
  const diff = x.n * y.d - y.n * x.d;
  return diff === 0n ? 0 : diff < 0n ? -1 : 1;
}

// ------------------------------------------------------------------------------------------
// IP addresses and CIDRs (k8s.io/utils/net ParseIPSloppy, core/validation/ips.go strict mode)
// ------------------------------------------------------------------------------------------

interface Address {
  bits: 32 | 128;
  value: bigint;
  leadingZeros: boolean;
}

/** Go 1.16's IPv4 parser, which allowed leading zeros ("010.0.0.1"). */
function parseIPv4(s: string): Address | undefined {
  const parts = s.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^[0-9]+$/.test(p) || Number(p) > 255)) return undefined;
  const value = parts.reduce((acc, p) => (acc << 8n) | BigInt(Number(p)), 0n);
  return { bits: 32, value, leadingZeros: parts.some((p) => /^0[0-9]/.test(p)) };
}

function parseIPv6(s: string): Address | undefined {
  if (!/^[0-9A-Fa-f:.]+$/.test(s)) return undefined;
  let body = s;
  let tail: Address | undefined;
  if (s.includes('.')) {
    const lastColon = s.lastIndexOf(':');
    tail = parseIPv4(s.slice(lastColon + 1));
    if (!tail || lastColon < 0) return undefined;
    body = `${s.slice(0, lastColon + 1)}0:0`;
  }
  const halves = body.split('::');
  if (halves.length > 2) return undefined;
  const groups = halves.map((h) => (h === '' ? [] : h.split(':')));
  const count = groups[0].length + (groups[1]?.length ?? 0);
  if ([...groups.flat()].some((g) => !/^[0-9A-Fa-f]{1,4}$/.test(g))) return undefined;
  if (halves.length === 1 ? count !== 8 : count > 7) return undefined;
  const all = halves.length === 1 ? groups[0] : [...groups[0], ...Array<string>(8 - count).fill('0'), ...groups[1]];
  let value = all.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
  if (tail) value = (value & ~0xffffffffn) | tail.value;
  return { bits: 128, value, leadingZeros: tail?.leadingZeros ?? false };
}

const parseIP = (s: string): Address | undefined => parseIPv4(s) ?? parseIPv6(s);
const isIPv4Mapped = (a: Address): boolean => a.bits === 128 && a.value >> 32n === 0xffffn;

/** IsValidIPForLegacyField in strict mode (StrictIPCIDRValidation, on from 1.33). */
function ipErrors(s: string): string[] {
  const ip = parseIP(s);
  if (!ip) return ['must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)'];
  if (ip.leadingZeros) return ['must not have leading 0s'];
  return isIPv4Mapped(ip) ? ['must not be an IPv4-mapped IPv6 address'] : [];
}

interface Cidr {
  ip: Address;
  prefix: number;
}

/** IsValidCIDRForLegacyField in strict mode, with the parsed network when it parses at all. */
function parseCidr(s: string): { cidr?: Cidr; errors: string[] } {
  const slash = s.indexOf('/');
  const ip = slash < 0 ? undefined : parseIP(s.slice(0, slash));
  const prefixText = s.slice(slash + 1);
  const prefix = Number(prefixText);
  if (!ip || !/^[0-9]+$/.test(prefixText) || prefix > ip.bits) {
    return { errors: ['must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)'] };
  }
  const cidr = { ip, prefix };
  if (ip.leadingZeros || /^0[0-9]/.test(prefixText)) return { cidr, errors: ['must not have leading 0s in IP or prefix length'] };
  if (isIPv4Mapped(ip)) return { cidr, errors: ['must not have an IPv4-mapped IPv6 address'] };
  const hostBits = (1n << BigInt(ip.bits - prefix)) - 1n;
  return { cidr, errors: (ip.value & hostBits) !== 0n ? ['must not have bits set beyond the prefix length'] : [] };
}

function cidrContains(outer: Cidr, inner: Cidr): boolean {
  if (outer.ip.bits !== inner.ip.bits) return false;
  const shift = BigInt(outer.ip.bits - outer.prefix);
  return outer.ip.value >> shift === inner.ip.value >> shift;
}

// ------------------------------------------------------------------------------------------
// Cron schedules (robfig/cron/v3 parser.go, ParseStandard = Minute|Hour|Dom|Month|Dow|Descriptor)
// ------------------------------------------------------------------------------------------

/** Go's unicode.IsSpace, which strings.Fields and strings.TrimSpace split and trim on. */
const GO_SPACE = '\\t\\n\\v\\f\\r \\u0085\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const goFields = (s: string): string[] => s.split(new RegExp(`[${GO_SPACE}]+`)).filter((f) => f !== '');
const goTrimSpace = (s: string): string => s.replace(new RegExp(`^[${GO_SPACE}]+|[${GO_SPACE}]+$`, 'g'), '');
const goQuote = (s: string): string => JSON.stringify(s);

interface Bounds {
  readonly min: number;
  readonly max: number;
  readonly names?: ReadonlyMap<string, number>;
}
const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const MONTH_NAMES = new Map(MONTHS.map((m, i) => [m, i + 1]));
const DAY_NAMES = new Map(['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'].map((d, i) => [d, i]));
/** minute, hour, day of month, month, day of week: 7 is not Sunday here. */
const CRON_FIELDS: readonly Bounds[] = [
  { min: 0, max: 59 },
  { min: 0, max: 23 },
  { min: 1, max: 31 },
  { min: 1, max: 12, names: MONTH_NAMES },
  { min: 0, max: 6, names: DAY_NAMES },
];
const DESCRIPTORS = new Set(['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly']);

/** strconv.Atoi on 64 bits: the value, or the error text. */
function goAtoi(s: string): bigint | string {
  if (!/^[+-]?[0-9]+$/.test(s)) return `strconv.Atoi: parsing ${goQuote(s)}: invalid syntax`;
  const n = BigInt(s);
  return n >= -(2n ** 63n) && n < 2n ** 63n ? n : `strconv.Atoi: parsing ${goQuote(s)}: value out of range`;
}

/** mustParseInt: a non-negative integer, or the error message. */
function cronInt(expr: string): bigint | string {
  const n = goAtoi(expr);
  if (typeof n === 'string') return `failed to parse int from ${expr}: ${n}`;
  return n < 0n ? `negative number (${n}) not allowed: ${expr}` : n;
}

function cronIntOrName(expr: string, names?: ReadonlyMap<string, number>): bigint | string {
  const named = names?.get(expr.toLowerCase());
  return named !== undefined ? BigInt(named) : cronInt(expr);
}

/** getRange: number | number "-" number [ "/" number ], with "*" or "?" for the whole range. */
function cronRangeError(expr: string, r: Bounds): string | undefined {
  const rangeAndStep = expr.split('/');
  const lowAndHigh = rangeAndStep[0].split('-');
  let start: bigint | string = BigInt(r.min);
  let end: bigint | string = BigInt(r.max);
  if (lowAndHigh[0] !== '*' && lowAndHigh[0] !== '?') {
    start = cronIntOrName(lowAndHigh[0], r.names);
    if (typeof start === 'string') return start;
    if (lowAndHigh.length > 2) return `too many hyphens: ${expr}`;
    end = lowAndHigh.length === 2 ? cronIntOrName(lowAndHigh[1], r.names) : start;
    if (typeof end === 'string') return end;
  }
  let step: bigint | string = 1n;
  if (rangeAndStep.length > 2) return `too many slashes: ${expr}`;
  if (rangeAndStep.length === 2) {
    step = cronInt(rangeAndStep[1]);
    if (typeof step === 'string') return step;
    // "N/step" means "N-max/step".
    if (lowAndHigh.length === 1) end = BigInt(r.max);
  }
  if (start < BigInt(r.min)) return `beginning of range (${start}) below minimum (${r.min}): ${expr}`;
  if (end > BigInt(r.max)) return `end of range (${end}) above maximum (${r.max}): ${expr}`;
  if (start > end) return `beginning of range (${start}) beyond end of range (${end}): ${expr}`;
  return step === 0n ? `step of range should be a positive number: ${expr}` : undefined;
}

const DURATION_UNITS = new Map<string, bigint>([
  ['ns', 1n],
  ['us', 1000n],
  ['µs', 1000n],
  ['μs', 1000n],
  ['ms', 1_000_000n],
  ['s', 1_000_000_000n],
  ['m', 60_000_000_000n],
  ['h', 3_600_000_000_000n],
]);

/** time.ParseDuration ("1h30m", "90s", "1.5h"): undefined when valid, else Go's error. */
function goDurationError(orig: string): string | undefined {
  const invalid = `time: invalid duration ${goQuote(orig)}`;
  let s = orig.startsWith('-') || orig.startsWith('+') ? orig.slice(1) : orig;
  if (s === '0') return undefined;
  if (s === '') return invalid;
  let total = 0n;
  while (s !== '') {
    const m = /^([0-9]*)(?:\.([0-9]*))?/.exec(s)!;
    if (!/^[0-9.]/.test(s) || (m[1] === '' && !m[2])) return invalid;
    s = s.slice(m[0].length);
    const unitText = /^[^0-9.]*/.exec(s)![0];
    if (unitText === '') return `time: missing unit in duration ${goQuote(orig)}`;
    const unit = DURATION_UNITS.get(unitText);
    if (unit === undefined) return `time: unknown unit ${goQuote(unitText)} in duration ${goQuote(orig)}`;
    s = s.slice(unitText.length);
    const whole = BigInt(m[1] || '0');
    const fraction = m[2] ? (BigInt(m[2]) * unit) / 10n ** BigInt(m[2].length) : 0n;
    total += whole * unit + fraction;
    if (whole > 2n ** 63n / unit || total > 2n ** 63n) return invalid;
  }
  return total > 2n ** 63n - 1n && !orig.startsWith('-') ? invalid : undefined;
}

/**
 * robfig/cron v3 ParseStandard as Kubernetes uses it: undefined when valid, else the error
 * message. "@every <duration>" parses (the CronJob controller runs it); a "TZ=" or "CRON_TZ="
 * prefix parses here but Kubernetes refuses it on create (see validateObjects).
 */
export function cronScheduleError(schedule: string): string | undefined {
  if (schedule.length === 0) return 'empty spec string';
  let spec = schedule;
  if (spec.startsWith('TZ=') || spec.startsWith('CRON_TZ=')) {
    const space = spec.indexOf(' ');
    // robfig slices spec[eq+1:-1] and panics; the API server answers 500.
    if (space < 0) return 'runtime error: slice bounds out of range [:-1]';
    const location = spec.slice(spec.indexOf('=') + 1, space);
    const error = goLoadLocationError(location);
    if (error) return `provided bad location ${location}: ${error}`;
    spec = goTrimSpace(spec.slice(space));
  }
  if (spec.startsWith('@')) {
    if (DESCRIPTORS.has(spec)) return undefined;
    if (!spec.startsWith('@every ')) return `unrecognized descriptor: ${spec}`;
    const error = goDurationError(spec.slice('@every '.length));
    return error ? `failed to parse duration ${spec}: ${error}` : undefined;
  }
  const fields = goFields(spec);
  if (fields.length !== 5) return `expected exactly 5 fields, found ${fields.length}: [${fields.join(' ')}]`;
  for (const [i, f] of fields.entries()) {
    for (const expr of f.split(',').filter((e) => e !== '')) {
      const error = cronRangeError(expr, CRON_FIELDS[i]);
      if (error) return error;
    }
  }
  return undefined;
}

// ------------------------------------------------------------------------------------------
// Time zones (batch validation validateTimeZone, Go time.LoadLocation with embedded tzdata)
// ------------------------------------------------------------------------------------------

/**
 * Every zone and link name of tzdata 2025b, as Go loads them: case-sensitively. ICU accepts
 * names in any case and Intl.supportedValuesOf lists only its canonical ones, so these say
 * which names ICU accepts are really IANA names.
 */
const TZDATA_NAMES = new Set(
  `
Africa/Abidjan Africa/Accra Africa/Addis_Ababa Africa/Algiers Africa/Asmara Africa/Asmera Africa/Bamako Africa/Bangui Africa/Banjul
Africa/Bissau Africa/Blantyre Africa/Brazzaville Africa/Bujumbura Africa/Cairo Africa/Casablanca Africa/Ceuta Africa/Conakry
Africa/Dakar Africa/Dar_es_Salaam Africa/Djibouti Africa/Douala Africa/El_Aaiun Africa/Freetown Africa/Gaborone Africa/Harare
Africa/Johannesburg Africa/Juba Africa/Kampala Africa/Khartoum Africa/Kigali Africa/Kinshasa Africa/Lagos Africa/Libreville Africa/Lome
Africa/Luanda Africa/Lubumbashi Africa/Lusaka Africa/Malabo Africa/Maputo Africa/Maseru Africa/Mbabane Africa/Mogadishu Africa/Monrovia
Africa/Nairobi Africa/Ndjamena Africa/Niamey Africa/Nouakchott Africa/Ouagadougou Africa/Porto-Novo Africa/Sao_Tome Africa/Timbuktu
Africa/Tripoli Africa/Tunis Africa/Windhoek America/Adak America/Anchorage America/Anguilla America/Antigua America/Araguaina
America/Argentina/Buenos_Aires America/Argentina/Catamarca America/Argentina/ComodRivadavia America/Argentina/Cordoba
America/Argentina/Jujuy America/Argentina/La_Rioja America/Argentina/Mendoza America/Argentina/Rio_Gallegos America/Argentina/Salta
America/Argentina/San_Juan America/Argentina/San_Luis America/Argentina/Tucuman America/Argentina/Ushuaia America/Aruba America/Asuncion
America/Atikokan America/Atka America/Bahia America/Bahia_Banderas America/Barbados America/Belem America/Belize America/Blanc-Sablon
America/Boa_Vista America/Bogota America/Boise America/Buenos_Aires America/Cambridge_Bay America/Campo_Grande America/Cancun
America/Caracas America/Catamarca America/Cayenne America/Cayman America/Chicago America/Chihuahua America/Ciudad_Juarez
America/Coral_Harbour America/Cordoba America/Costa_Rica America/Coyhaique America/Creston America/Cuiaba America/Curacao
America/Danmarkshavn America/Dawson America/Dawson_Creek America/Denver America/Detroit America/Dominica America/Edmonton
America/Eirunepe America/El_Salvador America/Ensenada America/Fort_Nelson America/Fort_Wayne America/Fortaleza America/Glace_Bay
America/Godthab America/Goose_Bay America/Grand_Turk America/Grenada America/Guadeloupe America/Guatemala America/Guayaquil
America/Guyana America/Halifax America/Havana America/Hermosillo America/Indiana/Indianapolis America/Indiana/Knox
America/Indiana/Marengo America/Indiana/Petersburg America/Indiana/Tell_City America/Indiana/Vevay America/Indiana/Vincennes
America/Indiana/Winamac America/Indianapolis America/Inuvik America/Iqaluit America/Jamaica America/Jujuy America/Juneau
America/Kentucky/Louisville America/Kentucky/Monticello America/Knox_IN America/Kralendijk America/La_Paz America/Lima
America/Los_Angeles America/Louisville America/Lower_Princes America/Maceio America/Managua America/Manaus America/Marigot
America/Martinique America/Matamoros America/Mazatlan America/Mendoza America/Menominee America/Merida America/Metlakatla
America/Mexico_City America/Miquelon America/Moncton America/Monterrey America/Montevideo America/Montreal America/Montserrat
America/Nassau America/New_York America/Nipigon America/Nome America/Noronha America/North_Dakota/Beulah America/North_Dakota/Center
America/North_Dakota/New_Salem America/Nuuk America/Ojinaga America/Panama America/Pangnirtung America/Paramaribo America/Phoenix
America/Port-au-Prince America/Port_of_Spain America/Porto_Acre America/Porto_Velho America/Puerto_Rico America/Punta_Arenas
America/Rainy_River America/Rankin_Inlet America/Recife America/Regina America/Resolute America/Rio_Branco America/Rosario
America/Santa_Isabel America/Santarem America/Santiago America/Santo_Domingo America/Sao_Paulo America/Scoresbysund America/Shiprock
America/Sitka America/St_Barthelemy America/St_Johns America/St_Kitts America/St_Lucia America/St_Thomas America/St_Vincent
America/Swift_Current America/Tegucigalpa America/Thule America/Thunder_Bay America/Tijuana America/Toronto America/Tortola
America/Vancouver America/Virgin America/Whitehorse America/Winnipeg America/Yakutat America/Yellowknife Antarctica/Casey
Antarctica/Davis Antarctica/DumontDUrville Antarctica/Macquarie Antarctica/Mawson Antarctica/McMurdo Antarctica/Palmer
Antarctica/Rothera Antarctica/South_Pole Antarctica/Syowa Antarctica/Troll Antarctica/Vostok Arctic/Longyearbyen Asia/Aden Asia/Almaty
Asia/Amman Asia/Anadyr Asia/Aqtau Asia/Aqtobe Asia/Ashgabat Asia/Ashkhabad Asia/Atyrau Asia/Baghdad Asia/Bahrain Asia/Baku Asia/Bangkok
Asia/Barnaul Asia/Beirut Asia/Bishkek Asia/Brunei Asia/Calcutta Asia/Chita Asia/Choibalsan Asia/Chongqing Asia/Chungking Asia/Colombo
Asia/Dacca Asia/Damascus Asia/Dhaka Asia/Dili Asia/Dubai Asia/Dushanbe Asia/Famagusta Asia/Gaza Asia/Harbin Asia/Hebron Asia/Ho_Chi_Minh
Asia/Hong_Kong Asia/Hovd Asia/Irkutsk Asia/Istanbul Asia/Jakarta Asia/Jayapura Asia/Jerusalem Asia/Kabul Asia/Kamchatka Asia/Karachi
Asia/Kashgar Asia/Kathmandu Asia/Katmandu Asia/Khandyga Asia/Kolkata Asia/Krasnoyarsk Asia/Kuala_Lumpur Asia/Kuching Asia/Kuwait
Asia/Macao Asia/Macau Asia/Magadan Asia/Makassar Asia/Manila Asia/Muscat Asia/Nicosia Asia/Novokuznetsk Asia/Novosibirsk Asia/Omsk
Asia/Oral Asia/Phnom_Penh Asia/Pontianak Asia/Pyongyang Asia/Qatar Asia/Qostanay Asia/Qyzylorda Asia/Rangoon Asia/Riyadh Asia/Saigon
Asia/Sakhalin Asia/Samarkand Asia/Seoul Asia/Shanghai Asia/Singapore Asia/Srednekolymsk Asia/Taipei Asia/Tashkent Asia/Tbilisi
Asia/Tehran Asia/Tel_Aviv Asia/Thimbu Asia/Thimphu Asia/Tokyo Asia/Tomsk Asia/Ujung_Pandang Asia/Ulaanbaatar Asia/Ulan_Bator Asia/Urumqi
Asia/Ust-Nera Asia/Vientiane Asia/Vladivostok Asia/Yakutsk Asia/Yangon Asia/Yekaterinburg Asia/Yerevan Atlantic/Azores Atlantic/Bermuda
Atlantic/Canary Atlantic/Cape_Verde Atlantic/Faeroe Atlantic/Faroe Atlantic/Jan_Mayen Atlantic/Madeira Atlantic/Reykjavik
Atlantic/South_Georgia Atlantic/St_Helena Atlantic/Stanley Australia/ACT Australia/Adelaide Australia/Brisbane Australia/Broken_Hill
Australia/Canberra Australia/Currie Australia/Darwin Australia/Eucla Australia/Hobart Australia/LHI Australia/Lindeman
Australia/Lord_Howe Australia/Melbourne Australia/NSW Australia/North Australia/Perth Australia/Queensland Australia/South
Australia/Sydney Australia/Tasmania Australia/Victoria Australia/West Australia/Yancowinna Brazil/Acre Brazil/DeNoronha Brazil/East
Brazil/West CET CST6CDT Canada/Atlantic Canada/Central Canada/Eastern Canada/Mountain Canada/Newfoundland Canada/Pacific
Canada/Saskatchewan Canada/Yukon Chile/Continental Chile/EasterIsland Cuba EET EST EST5EDT Egypt Eire Etc/GMT Etc/GMT+0 Etc/GMT+1
Etc/GMT+10 Etc/GMT+11 Etc/GMT+12 Etc/GMT+2 Etc/GMT+3 Etc/GMT+4 Etc/GMT+5 Etc/GMT+6 Etc/GMT+7 Etc/GMT+8 Etc/GMT+9 Etc/GMT-0 Etc/GMT-1
Etc/GMT-10 Etc/GMT-11 Etc/GMT-12 Etc/GMT-13 Etc/GMT-14 Etc/GMT-2 Etc/GMT-3 Etc/GMT-4 Etc/GMT-5 Etc/GMT-6 Etc/GMT-7 Etc/GMT-8 Etc/GMT-9
Etc/GMT0 Etc/Greenwich Etc/UCT Etc/UTC Etc/Universal Etc/Zulu Europe/Amsterdam Europe/Andorra Europe/Astrakhan Europe/Athens
Europe/Belfast Europe/Belgrade Europe/Berlin Europe/Bratislava Europe/Brussels Europe/Bucharest Europe/Budapest Europe/Busingen
Europe/Chisinau Europe/Copenhagen Europe/Dublin Europe/Gibraltar Europe/Guernsey Europe/Helsinki Europe/Isle_of_Man Europe/Istanbul
Europe/Jersey Europe/Kaliningrad Europe/Kiev Europe/Kirov Europe/Kyiv Europe/Lisbon Europe/Ljubljana Europe/London Europe/Luxembourg
Europe/Madrid Europe/Malta Europe/Mariehamn Europe/Minsk Europe/Monaco Europe/Moscow Europe/Nicosia Europe/Oslo Europe/Paris
Europe/Podgorica Europe/Prague Europe/Riga Europe/Rome Europe/Samara Europe/San_Marino Europe/Sarajevo Europe/Saratov Europe/Simferopol
Europe/Skopje Europe/Sofia Europe/Stockholm Europe/Tallinn Europe/Tirane Europe/Tiraspol Europe/Ulyanovsk Europe/Uzhgorod Europe/Vaduz
Europe/Vatican Europe/Vienna Europe/Vilnius Europe/Volgograd Europe/Warsaw Europe/Zagreb Europe/Zaporozhye Europe/Zurich GB GB-Eire GMT
GMT+0 GMT-0 GMT0 Greenwich HST Hongkong Iceland Indian/Antananarivo Indian/Chagos Indian/Christmas Indian/Cocos Indian/Comoro
Indian/Kerguelen Indian/Mahe Indian/Maldives Indian/Mauritius Indian/Mayotte Indian/Reunion Iran Israel Jamaica Japan Kwajalein Libya
MET MST MST7MDT Mexico/BajaNorte Mexico/BajaSur Mexico/General NZ NZ-CHAT Navajo PRC PST8PDT Pacific/Apia Pacific/Auckland
Pacific/Bougainville Pacific/Chatham Pacific/Chuuk Pacific/Easter Pacific/Efate Pacific/Enderbury Pacific/Fakaofo Pacific/Fiji
Pacific/Funafuti Pacific/Galapagos Pacific/Gambier Pacific/Guadalcanal Pacific/Guam Pacific/Honolulu Pacific/Johnston Pacific/Kanton
Pacific/Kiritimati Pacific/Kosrae Pacific/Kwajalein Pacific/Majuro Pacific/Marquesas Pacific/Midway Pacific/Nauru Pacific/Niue
Pacific/Norfolk Pacific/Noumea Pacific/Pago_Pago Pacific/Palau Pacific/Pitcairn Pacific/Pohnpei Pacific/Ponape Pacific/Port_Moresby
Pacific/Rarotonga Pacific/Saipan Pacific/Samoa Pacific/Tahiti Pacific/Tarawa Pacific/Tongatapu Pacific/Truk Pacific/Wake Pacific/Wallis
Pacific/Yap Poland Portugal ROC ROK Singapore Turkey UCT US/Alaska US/Aleutian US/Arizona US/Central US/East-Indiana US/Eastern
US/Hawaii US/Indiana-Starke US/Michigan US/Mountain US/Pacific US/Samoa UTC Universal W-SU WET Zulu`
    .trim()
    .split(/\s+/),
);

let canonicalZones: ReadonlySet<string> | undefined;

/** A zone Go's tzdata has, by its exact name: ICU's canonical list, or a tzdata name ICU also knows. */
function knownZone(name: string): boolean {
  canonicalZones ??= new Set(Intl.supportedValuesOf('timeZone'));
  if (canonicalZones.has(name)) return true;
  if (!TZDATA_NAMES.has(name)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** time.LoadLocation: undefined when it loads, else Go's error. */
function goLoadLocationError(name: string): string | undefined {
  if (name === '' || name === 'UTC' || name === 'Local') return undefined;
  if (name.includes('..') || name.startsWith('/') || name.startsWith('\\')) return 'time: invalid location name';
  return knownZone(name) ? undefined : `unknown time zone ${name}`;
}

/** validateTimeZone of pkg/apis/batch/validation: undefined when valid, else the message. */
function timeZoneError(tz: string): string | undefined {
  if (tz === '') return 'timeZone must be nil or non-empty string';
  const badPart = (part: string): boolean =>
    part === '.' || part === '..' || part.startsWith('-') || !/^[A-Za-z.\-_0-9+]{1,14}$/.test(part);
  if (tz.split('/').some(badPart)) return `unknown time zone ${tz}`;
  if (tz.toLowerCase() === 'local') return 'timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones';
  return goLoadLocationError(tz);
}

/** An IANA time-zone name the CronJob controller can load (Go time.LoadLocation, minus "Local" and ""). */
export function isTimeZone(name: string): boolean {
  return timeZoneError(name) === undefined;
}

// ------------------------------------------------------------------------------------------
// Walking objects
// ------------------------------------------------------------------------------------------

type Obj = Record<string, any>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const present = (v: unknown): boolean => v !== undefined && v !== null;

/** The value as the report shows it: strings as they are, anything else as JSON, 200 chars at most. */
function show(value: unknown): string {
  const text = typeof value === 'string' ? value : value === undefined ? '' : (JSON.stringify(value) ?? typeof value);
  return text.length > 200 ? `${text.slice(0, 199)}…` : text;
}

/** "spec" + "template" → "spec.template"; keys that are not identifiers go in brackets: "labels[app.kubernetes.io/name]". */
function child(base: string, name: string): string {
  if (!/^[A-Za-z_][\w-]*$/.test(name)) return `${base}[${name}]`;
  return base ? `${base}.${name}` : name;
}
const item = (base: string, i: number): string => `${base}[${i}]`;
/** A field below a path: path("spec.template", "metadata", "labels"). */
const path = (base: string, ...names: string[]): string => names.reduce(child, base);

/** The violations of one object. */
class Check {
  readonly found: Violation[] = [];
  constructor(readonly object: string) {}

  add(field: string, value: unknown, message: string): void {
    this.found.push({ object: this.object, field, value: show(value), message });
  }

  all(field: string, value: unknown, messages: readonly string[]): void {
    for (const m of messages) this.add(field, value, m);
  }

  /** The items of a list field ([] when absent; reported when not a list). */
  list(value: unknown, at: string): any[] {
    if (Array.isArray(value)) return value;
    if (present(value)) this.add(at, value, 'must be a list');
    return [];
  }

  /** An object field ({} when absent; reported when not an object). */
  obj(value: unknown, at: string): Obj {
    if (isObj(value)) return value;
    if (present(value)) this.add(at, value, 'must be an object');
    return {};
  }

  /** A string field (undefined when absent; reported when not a string). */
  str(value: unknown, at: string): string | undefined {
    if (typeof value === 'string') return value;
    if (present(value)) this.add(at, value, 'must be a string');
    return undefined;
  }

  /** An integer field (undefined when absent; reported when not an integer). */
  int(value: unknown, at: string): number | undefined {
    if (typeof value === 'number' && Number.isInteger(value)) return value;
    if (present(value)) this.add(at, value, 'must be an integer');
    return undefined;
  }

  nonNegative(value: unknown, at: string): void {
    const n = this.int(value, at);
    if (n !== undefined && n < 0) this.add(at, n, NEGATIVE);
  }

  /** A string that must be set (non-empty): the value, or undefined after reporting it. */
  requiredStr(value: unknown, at: string, detail = ''): string | undefined {
    const s = this.str(value, at);
    if (s) return s;
    if (!present(value) || s === '') this.add(at, '', required(detail));
    return undefined;
  }

  /** An enum the server defaults when empty: checked only when set. */
  oneOf(value: unknown, at: string, allowed: readonly string[]): void {
    const s = this.str(value, at);
    if (s && !allowed.includes(s)) this.add(at, s, unsupported(s, allowed));
  }

  /** An IntOrString port: a number 1–65535 or an IANA_SVC_NAME; an absent one is 0 (invalid). */
  portNumOrName(value: unknown, at: string): void {
    if (typeof value === 'string') this.all(at, value, portNameErrors(value));
    else if (value === undefined || value === null || typeof value === 'number') this.port(value ?? 0, at);
    else this.add(at, value, 'must be a port number or name');
  }

  port(value: unknown, at: string): void {
    const n = this.int(value, at);
    if (n !== undefined) this.all(at, n, portNumErrors(n));
  }

  /** A string field checked by one of the name rules. */
  named(value: unknown, at: string, rule: (v: string) => string[]): void {
    const s = this.str(value, at);
    if (s !== undefined) this.all(at, s, rule(s));
  }

  /** A quantity field: the parsed value, or undefined after reporting why it is not one. */
  quantity(value: unknown, at: string): ParsedQuantity | undefined {
    if (!present(value)) return undefined;
    if (typeof value !== 'string' && typeof value !== 'number') {
      this.add(at, value, QUANTITY_FORMAT);
      return undefined;
    }
    // Quantity.UnmarshalJSON trims spaces and takes JSON numbers as their text.
    const parsed = scanQuantity(goTrimSpace(String(value)));
    if (typeof parsed !== 'string') return parsed;
    this.add(at, value, parsed);
    return undefined;
  }
}

function validateLabels(c: Check, labels: unknown, at: string): void {
  for (const [k, v] of Object.entries(c.obj(labels, at))) {
    const field = child(at, k);
    c.all(field, k, qualifiedNameErrors(k));
    c.named(v, field, labelValueErrors);
  }
}

const MAX_ANNOTATIONS_BYTES = 256 * 1024;

function validateAnnotations(c: Check, annotations: unknown, at: string): void {
  let total = 0;
  for (const [k, v] of Object.entries(c.obj(annotations, at))) {
    // The rule is a qualified name except that case does not matter.
    c.all(child(at, k), k, qualifiedNameErrors(k.toLowerCase()));
    total += byteLength(k) + byteLength(c.str(v, child(at, k)) ?? '');
  }
  if (total > MAX_ANNOTATIONS_BYTES) c.add(at, `${total} bytes`, tooLong(MAX_ANNOTATIONS_BYTES));
}

// ------------------------------------------------------------------------------------------
// Label selectors (apimachinery apis/meta/v1/validation)
// ------------------------------------------------------------------------------------------

interface Selector {
  matchLabels: Record<string, string>;
  expressions: Array<{ key: string; operator: string; values: string[] }>;
}

/** ValidateLabelSelector: the selector when it is valid (so it can be matched), else undefined. */
function validateSelector(c: Check, value: unknown, at: string): Selector | undefined {
  const before = c.found.length;
  const sel = c.obj(value, at);
  validateLabels(c, sel.matchLabels, child(at, 'matchLabels'));
  const expressions = c.list(sel.matchExpressions, child(at, 'matchExpressions')).map((e, i) => {
    const p = item(child(at, 'matchExpressions'), i);
    const req = c.obj(e, p);
    const values: string[] = c.list(req.values, child(p, 'values'));
    switch (req.operator) {
      case 'In':
      case 'NotIn':
        if (values.length === 0) c.add(child(p, 'values'), '', required("must be specified when `operator` is 'In' or 'NotIn'"));
        break;
      case 'Exists':
      case 'DoesNotExist':
        if (values.length > 0) {
          c.add(child(p, 'values'), values, forbidden("may not be specified when `operator` is 'Exists' or 'DoesNotExist'"));
        }
        break;
      default:
        c.add(child(p, 'operator'), req.operator ?? '', 'not a valid selector operator');
    }
    c.named(req.key ?? '', child(p, 'key'), qualifiedNameErrors);
    values.forEach((v, j) => c.named(v, item(child(p, 'values'), j), labelValueErrors));
    return { key: String(req.key), operator: String(req.operator), values };
  });
  if (c.found.length > before) return undefined;
  return { matchLabels: isObj(sel.matchLabels) ? sel.matchLabels : {}, expressions };
}

const isEmptySelector = (s: Selector): boolean => Object.keys(s.matchLabels).length === 0 && s.expressions.length === 0;

function selectorMatches(s: Selector, labels: Obj): boolean {
  const has = (k: string): boolean => Object.prototype.hasOwnProperty.call(labels, k);
  if (!Object.entries(s.matchLabels).every(([k, v]) => has(k) && labels[k] === v)) return false;
  return s.expressions.every(({ key, operator, values }) => {
    if (operator === 'In') return has(key) && values.includes(labels[key]);
    if (operator === 'NotIn') return !has(key) || !values.includes(labels[key]);
    return operator === 'Exists' ? has(key) : !has(key);
  });
}

/** A Deployment's or StatefulSet's selector: required, valid and not empty. */
function validateWorkloadSelector(c: Check, value: unknown, at: string, what: string): Selector | undefined {
  if (!present(value)) {
    c.add(at, '', required());
    return undefined;
  }
  const sel = validateSelector(c, value, at);
  if (sel && isEmptySelector(sel)) c.add(at, value, `empty selector is invalid for ${what}`);
  return sel && !isEmptySelector(sel) ? sel : undefined;
}

function checkTemplateMatches(c: Check, sel: Selector | undefined, template: unknown, at: string): void {
  const labels = isObj(template) && isObj(template.metadata) && isObj(template.metadata.labels) ? template.metadata.labels : {};
  if (sel && !selectorMatches(sel, labels)) c.add(path(at, 'metadata', 'labels'), labels, '`selector` does not match template `labels`');
}

// ------------------------------------------------------------------------------------------
// Pods (pkg/apis/core/validation: ValidatePodTemplateSpec, ValidatePodSpec, containers, volumes)
// ------------------------------------------------------------------------------------------

interface PodRules {
  /** What the workload lets the restartPolicy be: Deployments and StatefulSets "Always", Jobs "OnFailure" or "Never". */
  readonly restart: 'Always' | 'job' | 'any';
  /** Names the controller adds as volumes (a StatefulSet's volumeClaimTemplates). */
  readonly claimVolumes?: readonly string[];
  /** A bare Pod (image whitespace is checked only there). */
  readonly isPod?: boolean;
}

const VOLUME_SOURCES = [
  'emptyDir',
  'hostPath',
  'gitRepo',
  'gcePersistentDisk',
  'awsElasticBlockStore',
  'secret',
  'nfs',
  'iscsi',
  'glusterfs',
  'flocker',
  'persistentVolumeClaim',
  'rbd',
  'cinder',
  'cephfs',
  'quobyte',
  'downwardAPI',
  'fc',
  'flexVolume',
  'configMap',
  'azureFile',
  'vsphereVolume',
  'photonPersistentDisk',
  'portworxVolume',
  'azureDisk',
  'storageos',
  'projected',
  'scaleIO',
  'csi',
  'ephemeral',
  'image',
];

function validateTemplate(c: Check, template: unknown, at: string, rules: PodRules): void {
  if (!isObj(template)) {
    c.add(at, template ?? '', required());
    return;
  }
  const meta = c.obj(template.metadata, child(at, 'metadata'));
  validateLabels(c, meta.labels, path(at, 'metadata', 'labels'));
  validateAnnotations(c, meta.annotations, path(at, 'metadata', 'annotations'));
  validatePodSpec(c, template.spec, child(at, 'spec'), rules);
}

function validatePodSpec(c: Check, value: unknown, at: string, rules: PodRules): void {
  if (!isObj(value)) {
    c.add(at, value ?? '', required());
    return;
  }
  const spec = value;
  const volumes = validateVolumes(c, spec.volumes, child(at, 'volumes'));
  for (const name of rules.claimVolumes ?? []) volumes.add(name);
  const grace = typeof spec.terminationGracePeriodSeconds === 'number' ? spec.terminationGracePeriodSeconds : 30;

  const containersAt = child(at, 'containers');
  const containers = c.list(spec.containers, containersAt);
  if (containers.length === 0) c.add(containersAt, '', required());
  const names = new Set<string>();
  containers.forEach((ctr, i) => {
    const p = item(containersAt, i);
    const name = validateContainer(c, ctr, p, volumes, rules);
    if (name === undefined) return;
    if (names.has(name)) c.add(child(p, 'name'), name, DUPLICATE);
    else names.add(name);
    validateProbes(c, ctr, p, grace);
    if (present(ctr.restartPolicy)) {
      c.add(child(p, 'restartPolicy'), ctr.restartPolicy, forbidden('may not be set for non-init containers'));
    }
  });

  const initAt = child(at, 'initContainers');
  c.list(spec.initContainers, initAt).forEach((ctr, i) => {
    const p = item(initAt, i);
    const name = validateContainer(c, ctr, p, volumes, rules);
    if (name === undefined) return;
    c.oneOf(ctr.restartPolicy, child(p, 'restartPolicy'), ['Always']);
    // Names are unique across regular and init containers.
    if (names.has(name)) c.add(child(p, 'name'), name, DUPLICATE);
    else if (name) names.add(name);
    if (ctr.restartPolicy === 'Always') validateProbes(c, ctr, p, grace);
    else {
      for (const f of ['lifecycle', 'livenessProbe', 'readinessProbe', 'startupProbe'].filter((k) => present(ctr[k]))) {
        c.add(child(p, f), '', forbidden('may not be set for init containers without restartPolicy=Always'));
      }
    }
  });

  c.oneOf(spec.restartPolicy, child(at, 'restartPolicy'), ['Always', 'OnFailure', 'Never']);
  c.oneOf(spec.dnsPolicy, child(at, 'dnsPolicy'), ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None']);
  validateLabels(c, spec.nodeSelector, child(at, 'nodeSelector'));
  validatePodSecurityContext(c, spec.securityContext, child(at, 'securityContext'));
  for (const f of ['serviceAccountName', 'priorityClassName']) c.named(spec[f] || undefined, child(at, f), dns1123SubdomainErrors);
  for (const f of ['hostname', 'subdomain']) c.named(spec[f] || undefined, child(at, f), dns1123LabelErrors);
  const deadline = c.int(spec.activeDeadlineSeconds, child(at, 'activeDeadlineSeconds'));
  if (deadline !== undefined && (deadline < 1 || deadline > 2147483647)) {
    c.add(child(at, 'activeDeadlineSeconds'), deadline, 'must be between 1 and 2147483647, inclusive');
  }
  validateRestartRules(c, spec, at, rules);
}

/** What the workload kind adds: apps want restartPolicy Always, Jobs OnFailure or Never. */
function validateRestartRules(c: Check, spec: Obj, at: string, rules: PodRules): void {
  const restart = child(at, 'restartPolicy');
  const policy = spec.restartPolicy || 'Always';
  if (rules.restart === 'Always') {
    if (policy !== 'Always') c.add(restart, policy, unsupported(policy, ['Always']));
    if (present(spec.activeDeadlineSeconds)) {
      const deadline = spec.activeDeadlineSeconds;
      c.add(child(at, 'activeDeadlineSeconds'), deadline, forbidden('activeDeadlineSeconds in ReplicaSet is not Supported'));
    }
  } else if (rules.restart === 'job') {
    if (policy === 'Always') c.add(restart, spec.restartPolicy ?? '', required('valid values: "OnFailure", "Never"'));
    else if (policy !== 'OnFailure' && policy !== 'Never') c.add(restart, policy, unsupported(policy, ['OnFailure', 'Never']));
  }
}

/** ValidateVolumes: the names that volume mounts may refer to. */
function validateVolumes(c: Check, value: unknown, at: string): Set<string> {
  const names = new Set<string>();
  c.list(value, at).forEach((v, i) => {
    const p = item(at, i);
    const vol = c.obj(v, p);
    validateVolumeSource(c, vol, p);
    const name = c.requiredStr(vol.name, child(p, 'name'));
    if (name === undefined) return;
    c.all(child(p, 'name'), name, dns1123LabelErrors(name));
    if (names.has(name)) c.add(child(p, 'name'), name, DUPLICATE);
    names.add(name);
  });
  return names;
}

function validateVolumeSource(c: Check, vol: Obj, at: string): void {
  const sources = VOLUME_SOURCES.filter((s) => present(vol[s]));
  if (sources.length === 0) c.add(at, '', required('must specify a volume type'));
  for (const extra of sources.slice(1)) c.add(child(at, extra), '', forbidden('may not specify more than 1 volume type'));
  const source = sources[0];
  if (source === undefined) return;
  const p = child(at, source);
  const s = c.obj(vol[source], p);
  const mode = (field: string): void => {
    const n = c.int(s[field], child(p, field));
    if (n !== undefined && (n < 0 || n > 0o777)) c.add(child(p, field), n, FILE_MODE);
  };
  switch (source) {
    case 'emptyDir': {
      const limit = c.quantity(s.sizeLimit, child(p, 'sizeLimit'));
      if (limit && quantityFraction(limit).n < 0n) {
        c.add(child(p, 'sizeLimit'), s.sizeLimit, forbidden('SizeLimit field must be a valid resource quantity'));
      }
      break;
    }
    case 'secret':
      c.requiredStr(s.secretName, child(p, 'secretName'));
      mode('defaultMode');
      validateKeyToPaths(c, s.items, child(p, 'items'));
      break;
    case 'configMap':
      c.requiredStr(s.name, child(p, 'name'));
      mode('defaultMode');
      validateKeyToPaths(c, s.items, child(p, 'items'));
      break;
    case 'persistentVolumeClaim':
      c.requiredStr(s.claimName, child(p, 'claimName'));
      break;
    case 'hostPath': {
      const hostPath = c.requiredStr(s.path, child(p, 'path'));
      if (hostPath && hostPath.split('/').includes('..')) c.add(child(p, 'path'), hostPath, "must not contain '..'");
      break;
    }
    case 'projected':
    case 'downwardAPI':
      mode('defaultMode');
      break;
    default:
  }
}

function validateKeyToPaths(c: Check, value: unknown, at: string): void {
  c.list(value, at).forEach((kp, i) => {
    const p = item(at, i);
    const entry = c.obj(kp, p);
    c.requiredStr(entry.key, child(p, 'key'));
    const target = c.requiredStr(entry.path, child(p, 'path'));
    if (target !== undefined) {
      c.all(child(p, 'path'), target, localDescendingPathErrors(target));
      if (target.startsWith('..') && !target.startsWith('../')) c.add(child(p, 'path'), target, "must not start with '..'");
    }
    const n = c.int(entry.mode, child(p, 'mode'));
    if (n !== undefined && (n < 0 || n > 0o777)) c.add(child(p, 'mode'), n, FILE_MODE);
  });
}

/** validateLocalDescendingPath: relative, without "..". */
function localDescendingPathErrors(target: string): string[] {
  const errs = target.startsWith('/') ? ['must be a relative path'] : [];
  return target.split('/').includes('..') ? [...errs, "must not contain '..'"] : errs;
}

/** validateContainerCommon: the container's name when it is an object, else undefined. */
function validateContainer(c: Check, value: unknown, at: string, volumes: ReadonlySet<string>, rules: PodRules): string | undefined {
  if (!isObj(value)) {
    c.add(at, value ?? '', 'must be an object');
    return undefined;
  }
  const ctr = value;
  const name = c.requiredStr(ctr.name, child(at, 'name'));
  if (name !== undefined) c.all(child(at, 'name'), name, dns1123LabelErrors(name));
  const image = c.requiredStr(ctr.image, child(at, 'image'));
  if (rules.isPod && image !== undefined && image.trim() !== image) {
    c.add(child(at, 'image'), image, 'must not have leading or trailing whitespace');
  }
  c.oneOf(ctr.terminationMessagePolicy, child(at, 'terminationMessagePolicy'), ['File', 'FallbackToLogsOnError']);
  validateContainerPorts(c, ctr.ports, child(at, 'ports'));
  validateEnv(c, ctr.env, child(at, 'env'));
  validateEnvFrom(c, ctr.envFrom, child(at, 'envFrom'));
  validateVolumeMounts(c, ctr.volumeMounts, child(at, 'volumeMounts'), volumes);
  c.oneOf(ctr.imagePullPolicy, child(at, 'imagePullPolicy'), ['Always', 'IfNotPresent', 'Never']);
  validateResources(c, ctr.resources, child(at, 'resources'));
  validateContainerSecurityContext(c, ctr.securityContext, child(at, 'securityContext'));
  return typeof ctr.name === 'string' ? ctr.name : '';
}

function validateContainerPorts(c: Check, value: unknown, at: string): void {
  const names = new Set<string>();
  c.list(value, at).forEach((v, i) => {
    const p = item(at, i);
    const port = c.obj(v, p);
    const name = c.str(port.name, child(p, 'name'));
    if (name) {
      const errs = portNameErrors(name);
      c.all(child(p, 'name'), name, errs);
      if (errs.length === 0 && names.has(name)) c.add(child(p, 'name'), name, DUPLICATE);
      names.add(name);
    }
    if (!present(port.containerPort) || port.containerPort === 0) c.add(child(p, 'containerPort'), '', required());
    else c.port(port.containerPort, child(p, 'containerPort'));
    if (present(port.hostPort) && port.hostPort !== 0) c.port(port.hostPort, child(p, 'hostPort'));
    c.oneOf(port.protocol, child(p, 'protocol'), ['SCTP', 'TCP', 'UDP']);
  });
}

const ENV_FIELD_PATHS = [
  'metadata.name',
  'metadata.namespace',
  'metadata.uid',
  'spec.nodeName',
  'spec.serviceAccountName',
  'status.hostIP',
  'status.podIP',
  'status.podIPs',
];
const RESOURCE_FIELD_PATHS = [
  'limits.cpu',
  'limits.ephemeral-storage',
  'limits.memory',
  'requests.cpu',
  'requests.ephemeral-storage',
  'requests.memory',
];

function validateEnv(c: Check, value: unknown, at: string): void {
  c.list(value, at).forEach((v, i) => {
    const p = item(at, i);
    const e = c.obj(v, p);
    const name = c.requiredStr(e.name, child(p, 'name'));
    if (name !== undefined) c.all(child(p, 'name'), name, envVarNameErrors(name));
    c.str(e.value, child(p, 'value'));
    if (present(e.valueFrom)) validateEnvValueFrom(c, e, child(p, 'valueFrom'));
  });
}

function validateEnvValueFrom(c: Check, env: Obj, at: string): void {
  const from = c.obj(env.valueFrom, at);
  const sources = ['fieldRef', 'resourceFieldRef', 'configMapKeyRef', 'secretKeyRef'].filter((s) => present(from[s]));
  for (const source of sources) {
    const p = child(at, source);
    const ref = c.obj(from[source], p);
    if (source === 'fieldRef') validateFieldRef(c, ref, p);
    else if (source === 'resourceFieldRef') {
      const resource = c.requiredStr(ref.resource, child(p, 'resource'));
      const hugePages = resource?.startsWith('requests.hugepages-') || resource?.startsWith('limits.hugepages-');
      if (resource && !RESOURCE_FIELD_PATHS.includes(resource) && !hugePages) {
        c.add(child(p, 'resource'), resource, unsupported(resource, RESOURCE_FIELD_PATHS));
      }
      c.quantity(ref.divisor, child(p, 'divisor'));
    } else {
      c.named(ref.name ?? '', child(p, 'name'), dns1123SubdomainErrors);
      const key = c.requiredStr(ref.key, child(p, 'key'));
      if (key !== undefined) c.all(child(p, 'key'), key, configMapKeyErrors(key));
    }
  }
  if (sources.length === 0) c.add(at, '', 'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`');
  else if (typeof env.value === 'string' && env.value !== '') c.add(at, '', 'may not be specified when `value` is not empty');
  else if (sources.length > 1) c.add(at, '', 'may not have more than one field specified at a time');
}

function validateFieldRef(c: Check, ref: Obj, at: string): void {
  const fieldPath = c.requiredStr(ref.fieldPath, child(at, 'fieldPath'));
  if (fieldPath === undefined) return;
  const subscripted = /^metadata\.(labels|annotations)\['(.*)'\]$/.exec(fieldPath);
  if (subscripted) {
    const key = subscripted[1] === 'annotations' ? subscripted[2].toLowerCase() : subscripted[2];
    c.all(at, key, qualifiedNameErrors(key));
  } else if (!ENV_FIELD_PATHS.includes(fieldPath)) {
    c.add(child(at, 'fieldPath'), fieldPath, unsupported(fieldPath, ENV_FIELD_PATHS));
  }
}

function validateEnvFrom(c: Check, value: unknown, at: string): void {
  c.list(value, at).forEach((v, i) => {
    const p = item(at, i);
    const e = c.obj(v, p);
    const prefix = c.str(e.prefix, child(p, 'prefix'));
    if (prefix) c.all(child(p, 'prefix'), prefix, envVarNameErrors(prefix));
    const sources = ['configMapRef', 'secretRef'].filter((s) => present(e[s]));
    for (const source of sources) {
      const name = c.requiredStr(c.obj(e[source], child(p, source)).name, path(p, source, 'name'));
      if (name !== undefined) c.all(path(p, source, 'name'), name, dns1123SubdomainErrors(name));
    }
    if (sources.length === 0) c.add(at, '', 'must specify one of: `configMapRef` or `secretRef`');
    else if (sources.length > 1) c.add(at, '', 'may not have more than one field specified at a time');
  });
}

function validateVolumeMounts(c: Check, value: unknown, at: string, volumes: ReadonlySet<string>): void {
  const mountPaths = new Set<string>();
  c.list(value, at).forEach((v, i) => {
    const p = item(at, i);
    const m = c.obj(v, p);
    const name = c.requiredStr(m.name, child(p, 'name'));
    if (!volumes.has(name ?? '')) c.add(child(p, 'name'), m.name ?? '', NOT_FOUND);
    const mountPath = c.requiredStr(m.mountPath, child(p, 'mountPath'));
    if (mountPath !== undefined && mountPaths.has(mountPath)) c.add(child(p, 'mountPath'), mountPath, 'must be unique');
    if (mountPath !== undefined) mountPaths.add(mountPath);
    const subPath = c.str(m.subPath, child(p, 'subPath'));
    if (subPath) c.all(child(p, 'subPath'), subPath, localDescendingPathErrors(subPath));
    const subPathExpr = c.str(m.subPathExpr, child(p, 'subPathExpr'));
    if (subPathExpr && subPath) c.add(child(p, 'subPathExpr'), subPathExpr, 'subPathExpr and subPath are mutually exclusive');
    if (subPathExpr) c.all(child(p, 'subPathExpr'), subPathExpr, localDescendingPathErrors(subPathExpr));
    c.oneOf(m.mountPropagation, child(p, 'mountPropagation'), ['None', 'HostToContainer', 'Bidirectional']);
  });
}

const PROBES = [
  ['livenessProbe', 'liveness'],
  ['readinessProbe', 'readiness'],
  ['startupProbe', 'startup'],
] as const;

function validateProbes(c: Check, ctr: Obj, at: string, grace: number): void {
  const lifecycle = c.obj(ctr.lifecycle, child(at, 'lifecycle'));
  for (const hook of ['postStart', 'preStop']) {
    const p = path(at, 'lifecycle', hook);
    if (present(lifecycle[hook])) validateHandler(c, c.obj(lifecycle[hook], p), p, LIFECYCLE_HANDLERS, grace);
  }
  for (const [field, kind] of PROBES) {
    if (!present(ctr[field])) continue;
    const p = child(at, field);
    const probe = c.obj(ctr[field], p);
    validateHandler(c, probe, p, PROBE_HANDLERS, grace);
    for (const f of PROBE_COUNTS) c.nonNegative(probe[f], child(p, f));
    // 0 is defaulted to 1.
    if (kind !== 'readiness' && typeof probe.successThreshold === 'number' && probe.successThreshold > 1) {
      c.add(child(p, 'successThreshold'), probe.successThreshold, 'must be 1');
    }
    const tgps = c.int(probe.terminationGracePeriodSeconds, child(p, 'terminationGracePeriodSeconds'));
    if (kind === 'readiness' && present(probe.terminationGracePeriodSeconds)) {
      c.add(child(p, 'terminationGracePeriodSeconds'), probe.terminationGracePeriodSeconds, 'must not be set for readinessProbes');
    } else if (tgps !== undefined && tgps <= 0) c.add(child(p, 'terminationGracePeriodSeconds'), tgps, 'must be greater than 0');
  }
}

const PROBE_HANDLERS = ['exec', 'httpGet', 'tcpSocket', 'grpc'];
const PROBE_COUNTS = ['initialDelaySeconds', 'timeoutSeconds', 'periodSeconds', 'successThreshold', 'failureThreshold'];
const LIFECYCLE_HANDLERS = ['exec', 'httpGet', 'tcpSocket', 'sleep'];

function validateHandler(c: Check, handler: Obj, at: string, kinds: readonly string[], grace: number): void {
  const set = kinds.filter((k) => present(handler[k]));
  if (set.length === 0) c.add(at, '', required('must specify a handler type'));
  for (const extra of set.slice(1)) c.add(child(at, extra), '', forbidden('may not specify more than 1 handler type'));
  const kind = set[0];
  if (kind === undefined) return;
  const p = child(at, kind);
  const action = c.obj(handler[kind], p);
  if (kind === 'exec' && (!Array.isArray(action.command) || action.command.length === 0)) c.add(child(p, 'command'), '', required());
  if (kind === 'httpGet' || kind === 'tcpSocket') c.portNumOrName(action.port, child(p, 'port'));
  if (kind === 'grpc') c.port(action.port ?? 0, child(p, 'port'));
  if (kind === 'httpGet') {
    c.oneOf(action.scheme, child(p, 'scheme'), ['HTTP', 'HTTPS']);
    c.list(action.httpHeaders, child(p, 'httpHeaders')).forEach((h) => {
      const name = isObj(h) ? String(h.name ?? '') : '';
      if (!full(HTTP_HEADER).test(name)) {
        const msg = "a valid HTTP header must consist of alphanumeric characters or '-'";
        c.add(child(p, 'httpHeaders'), name, regexError(msg, HTTP_HEADER, 'X-Header-Name'));
      }
    });
  }
  if (kind === 'sleep') {
    const seconds = c.int(action.seconds, child(p, 'seconds'));
    if (seconds === undefined || seconds <= 0 || seconds > grace) {
      c.add(child(p, 'seconds'), action.seconds ?? '', `must be greater than 0 and less than terminationGracePeriodSeconds (${grace})`);
    }
  }
}

const STANDARD_CONTAINER_RESOURCES = ['cpu', 'memory', 'ephemeral-storage'];
const STANDARD_RESOURCES = new Set([
  ...STANDARD_CONTAINER_RESOURCES,
  'pods',
  'services',
  'replicationcontrollers',
  'resourcequotas',
  'secrets',
  'configmaps',
  'persistentvolumeclaims',
  'storage',
  'requests.cpu',
  'requests.memory',
  'requests.storage',
  'requests.ephemeral-storage',
  'limits.cpu',
  'limits.memory',
  'limits.ephemeral-storage',
]);
const isHugePages = (name: string): boolean => name.startsWith('hugepages-');
const isNativeResource = (name: string): boolean => !name.includes('/') || name.includes('kubernetes.io/');

/** validateContainerResourceName: a standard container resource, or a fully qualified one. */
function containerResourceNameErrors(name: string): string[] {
  const errs = qualifiedNameErrors(name);
  if (errs.length > 0) return errs;
  if (!name.includes('/')) {
    if (!STANDARD_RESOURCES.has(name) && !isHugePages(name)) errs.push('must be a standard resource type or fully qualified');
    if (!STANDARD_CONTAINER_RESOURCES.includes(name) && !isHugePages(name)) errs.push('must be a standard resource for containers');
  } else if (!isNativeResource(name) && (name.startsWith('requests.') || qualifiedNameErrors(`requests.${name}`).length > 0)) {
    errs.push("doesn't follow extended resource name standard");
  }
  return errs;
}

/** validateResourceRequirements: names, quantities, and requests within limits. */
function validateResources(c: Check, value: unknown, at: string): void {
  const resources = c.obj(value, at);
  const parse = (side: 'limits' | 'requests'): Map<string, ParsedQuantity> => {
    const parsed = new Map<string, ParsedQuantity>();
    for (const [name, raw] of Object.entries(c.obj(resources[side], child(at, side)))) {
      const p = path(at, side, name);
      c.all(p, name, containerResourceNameErrors(name));
      const q = c.quantity(raw, p);
      if (!q) continue;
      parsed.set(name, q);
      const { n, d } = quantityFraction(q);
      if (n < 0n) c.add(p, raw, NEGATIVE);
      // Extended resources (example.com/gpu) are counted in whole units.
      if (!isNativeResource(name) && n % d !== 0n) c.add(p, raw, 'must be an integer');
    }
    return parsed;
  };
  const limits = parse('limits');
  const requests = parse('requests');
  for (const [name, request] of requests) {
    const limit = limits.get(name);
    const raw = resources.requests[name];
    const overcommit = isNativeResource(name) && !isHugePages(name);
    if (limit === undefined) {
      if (!overcommit) c.add(child(at, 'limits'), '', required('Limit must be set for non overcommitable resources'));
    } else if (!overcommit && compareQuantities(request, limit) !== 0) {
      c.add(path(at, 'requests', name), raw, `must be equal to ${name} limit of ${resources.limits[name]}`);
    } else if (compareQuantities(request, limit) > 0) {
      c.add(path(at, 'requests', name), raw, `must be less than or equal to ${name} limit of ${resources.limits[name]}`);
    }
  }
  const names = [...limits.keys(), ...requests.keys()];
  if (names.some(isHugePages) && !names.some((n) => n === 'cpu' || n === 'memory')) {
    c.add(at, '', forbidden('HugePages require cpu or memory'));
  }
}

function validateId(c: Check, value: unknown, at: string): void {
  const n = c.int(value, at);
  if (n !== undefined && (n < 0 || n > 4294967295)) c.add(at, n, ID_RANGE);
}

function validateSeccomp(c: Check, value: unknown, at: string): void {
  if (!present(value)) return;
  const profile = c.obj(value, at);
  if (!present(profile.type) || profile.type === '') c.add(child(at, 'type'), '', required('type is required when seccompProfile is set'));
  c.oneOf(profile.type, child(at, 'type'), ['Localhost', 'RuntimeDefault', 'Unconfined']);
  if (profile.type === 'Localhost' && !present(profile.localhostProfile)) {
    c.add(child(at, 'localhostProfile'), '', required('must be set when seccomp type is Localhost'));
  } else if (profile.type !== 'Localhost' && present(profile.localhostProfile)) {
    c.add(child(at, 'localhostProfile'), profile.localhostProfile, 'can only be set when seccomp type is Localhost');
  }
}

function validatePodSecurityContext(c: Check, value: unknown, at: string): void {
  const sc = c.obj(value, at);
  for (const f of ['fsGroup', 'runAsUser', 'runAsGroup']) validateId(c, sc[f], child(at, f));
  const groups = child(at, 'supplementalGroups');
  c.list(sc.supplementalGroups, groups).forEach((g, i) => validateId(c, g, item(groups, i)));
  c.oneOf(sc.fsGroupChangePolicy, child(at, 'fsGroupChangePolicy'), ['Always', 'OnRootMismatch']);
  validateSeccomp(c, sc.seccompProfile, child(at, 'seccompProfile'));
}

function validateContainerSecurityContext(c: Check, value: unknown, at: string): void {
  const sc = c.obj(value, at);
  for (const f of ['runAsUser', 'runAsGroup']) validateId(c, sc[f], child(at, f));
  validateSeccomp(c, sc.seccompProfile, child(at, 'seccompProfile'));
  if (sc.allowPrivilegeEscalation === false && sc.privileged === true) {
    c.add(at, '', 'cannot set `allowPrivilegeEscalation` to false and `privileged` to true');
  }
  const added = isObj(sc.capabilities) && Array.isArray(sc.capabilities.add) ? sc.capabilities.add : [];
  if (sc.allowPrivilegeEscalation === false && added.includes('CAP_SYS_ADMIN')) {
    c.add(at, '', 'cannot set `allowPrivilegeEscalation` to false and `capabilities.Add` CAP_SYS_ADMIN');
  }
}

// ------------------------------------------------------------------------------------------
// Kinds
// ------------------------------------------------------------------------------------------

/** ValidateDeployment (apps validation): selector, template, strategy. */
function validateDeployment(c: Check, o: Obj): void {
  const spec = c.obj(o.spec, 'spec');
  c.nonNegative(spec.replicas, 'spec.replicas');
  const sel = validateWorkloadSelector(c, spec.selector, 'spec.selector', 'deployment');
  checkTemplateMatches(c, sel, spec.template, 'spec.template');
  validateTemplate(c, spec.template, 'spec.template', { restart: 'Always' });
  const strategy = c.obj(spec.strategy, 'spec.strategy');
  c.oneOf(strategy.type, 'spec.strategy.type', ['Recreate', 'RollingUpdate']);
  if (strategy.type === 'Recreate' && present(strategy.rollingUpdate)) {
    c.add('spec.strategy.rollingUpdate', '', forbidden("may not be specified when strategy `type` is 'Recreate'"));
  }
  if (strategy.type !== 'Recreate' && present(strategy.rollingUpdate)) {
    validateRollingUpdate(c, strategy.rollingUpdate, 'spec.strategy.rollingUpdate');
  }
  c.nonNegative(spec.minReadySeconds, 'spec.minReadySeconds');
  c.nonNegative(spec.revisionHistoryLimit, 'spec.revisionHistoryLimit');
  const deadline = c.int(spec.progressDeadlineSeconds, 'spec.progressDeadlineSeconds');
  if (deadline !== undefined && deadline < 0) c.add('spec.progressDeadlineSeconds', deadline, NEGATIVE);
  else if (deadline !== undefined && deadline <= (typeof spec.minReadySeconds === 'number' ? spec.minReadySeconds : 0)) {
    c.add('spec.progressDeadlineSeconds', deadline, 'must be greater than minReadySeconds');
  }
}

/** An IntOrString count or percentage ("25%"): its value, or undefined after reporting it. */
function intOrPercent(c: Check, value: unknown, at: string): number | undefined {
  if (typeof value === 'string') {
    const m = /^([0-9]+)%$/.exec(value);
    const msg = "a valid percent string must be a numeric string followed by an ending '%'";
    if (!m) c.add(at, value, regexError(msg, '[0-9]+%', '1%', '93%'));
    else if (Number(m[1]) > 100) c.add(at, value, 'must not be greater than 100%');
    return m ? Number(m[1]) : undefined;
  }
  const n = c.int(value, at);
  if (n !== undefined && n < 0) c.add(at, n, NEGATIVE);
  return n;
}

function validateRollingUpdate(c: Check, value: unknown, at: string): void {
  const ru = c.obj(value, at);
  const unavailable = present(ru.maxUnavailable) ? intOrPercent(c, ru.maxUnavailable, child(at, 'maxUnavailable')) : 1;
  const surge = present(ru.maxSurge) ? intOrPercent(c, ru.maxSurge, child(at, 'maxSurge')) : 1;
  if (unavailable === 0 && surge === 0) c.add(child(at, 'maxUnavailable'), ru.maxUnavailable, 'may not be 0 when `maxSurge` is 0');
}

/**
 * StatefulSet names are DNS labels (1.27+), and at most 52 characters: each pod's
 * controller-revision-hash label is the name, "-" and a hash of up to 10 characters.
 */
function validateStatefulSet(c: Check, o: Obj): void {
  const name = o.metadata?.name;
  if (typeof name === 'string' && byteLength(name) > 52 && byteLength(name) <= 63) {
    c.add('metadata.name', name, "must be no more than 52 characters: its pods' controller-revision-hash label is it plus 11 characters");
  }
  const spec = c.obj(o.spec, 'spec');
  if (present(spec.podManagementPolicy) && !['OrderedReady', 'Parallel'].includes(spec.podManagementPolicy)) {
    c.add('spec.podManagementPolicy', spec.podManagementPolicy, "must be 'OrderedReady' or 'Parallel'");
  }
  const strategy = c.obj(spec.updateStrategy, 'spec.updateStrategy');
  if (present(strategy.type) && !['RollingUpdate', 'OnDelete'].includes(strategy.type)) {
    c.add('spec.updateStrategy', strategy.type, "must be 'RollingUpdate' or 'OnDelete'");
  }
  if (strategy.type === 'OnDelete' && present(strategy.rollingUpdate)) {
    c.add('spec.updateStrategy.rollingUpdate', '', "only allowed for updateStrategy 'RollingUpdate'");
  }
  const rolling = c.obj(strategy.rollingUpdate, 'spec.updateStrategy.rollingUpdate');
  c.nonNegative(rolling.partition, 'spec.updateStrategy.rollingUpdate.partition');
  const retention = c.obj(spec.persistentVolumeClaimRetentionPolicy, 'spec.persistentVolumeClaimRetentionPolicy');
  for (const f of ['whenDeleted', 'whenScaled']) {
    c.oneOf(retention[f], path('spec', 'persistentVolumeClaimRetentionPolicy', f), ['Retain', 'Delete']);
  }
  c.nonNegative(spec.replicas, 'spec.replicas');
  c.nonNegative(spec.minReadySeconds, 'spec.minReadySeconds');
  c.nonNegative(c.obj(spec.ordinals, 'spec.ordinals').start, 'spec.ordinals.start');
  const sel = validateWorkloadSelector(c, spec.selector, 'spec.selector', 'statefulset');
  checkTemplateMatches(c, sel, spec.template, 'spec.template');
  // The pods carry the service name as their subdomain, a DNS label (checked on the StatefulSet from 1.33).
  if (spec.serviceName) c.named(spec.serviceName, 'spec.serviceName', dns1123LabelErrors);
  const claims = c.list(spec.volumeClaimTemplates, 'spec.volumeClaimTemplates').map((t, i) => {
    const p = item('spec.volumeClaimTemplates', i);
    const claim = c.obj(t, p);
    const meta = c.obj(claim.metadata, child(p, 'metadata'));
    // The claim becomes a volume of each pod, so its name is a volume name.
    const claimName = c.requiredStr(meta.name, path(p, 'metadata', 'name'));
    if (claimName !== undefined) c.all(path(p, 'metadata', 'name'), claimName, dns1123LabelErrors(claimName));
    validateLabels(c, meta.labels, path(p, 'metadata', 'labels'));
    validateAnnotations(c, meta.annotations, path(p, 'metadata', 'annotations'));
    validateClaimSpec(c, claim.spec, child(p, 'spec'));
    return claimName ?? '';
  });
  validateTemplate(c, spec.template, 'spec.template', { restart: 'Always', claimVolumes: claims });
}

/** ValidateCronJobCreate (batch validation). */
function validateCronJob(c: Check, o: Obj): void {
  const spec = c.obj(o.spec, 'spec');
  const schedule = c.requiredStr(spec.schedule, 'spec.schedule');
  if (schedule !== undefined) {
    const error = cronScheduleError(schedule);
    if (error) c.add('spec.schedule', schedule, error);
    if (schedule.includes('TZ')) c.add('spec.schedule', schedule, 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead');
  }
  c.nonNegative(spec.startingDeadlineSeconds, 'spec.startingDeadlineSeconds');
  const timeZone = c.str(spec.timeZone, 'spec.timeZone');
  const zoneError = timeZone === undefined ? undefined : timeZoneError(timeZone);
  if (zoneError) c.add('spec.timeZone', timeZone, zoneError);
  c.oneOf(spec.concurrencyPolicy, 'spec.concurrencyPolicy', ['Allow', 'Forbid', 'Replace']);
  const jobTemplate = c.obj(spec.jobTemplate, 'spec.jobTemplate');
  const meta = c.obj(jobTemplate.metadata, 'spec.jobTemplate.metadata');
  validateLabels(c, meta.labels, 'spec.jobTemplate.metadata.labels');
  validateAnnotations(c, meta.annotations, 'spec.jobTemplate.metadata.annotations');
  validateJobSpec(c, jobTemplate.spec, 'spec.jobTemplate.spec', true);
  c.nonNegative(spec.successfulJobsHistoryLimit, 'spec.successfulJobsHistoryLimit');
  c.nonNegative(spec.failedJobsHistoryLimit, 'spec.failedJobsHistoryLimit');
  // Its Jobs are named "<name>-<minutes since epoch>", and a Job name is at most 63 characters.
  const name = o.metadata?.name;
  if (typeof name === 'string' && byteLength(name) > 52) c.add('metadata.name', name, 'must be no more than 52 characters');
}

function validateJob(c: Check, o: Obj): void {
  // The Job's pods carry its name in the job-name label.
  const name = o.metadata?.name;
  if (typeof name === 'string' && byteLength(name) > 63) {
    c.add('metadata.name', name, `${maxLenError(63)}: its pods carry it in the job-name label`);
  }
  validateJobSpec(c, o.spec, 'spec', false);
}

const JOB_COUNTS = [
  'parallelism',
  'completions',
  'activeDeadlineSeconds',
  'backoffLimit',
  'ttlSecondsAfterFinished',
  'backoffLimitPerIndex',
  'maxFailedIndexes',
];

function validateJobSpec(c: Check, value: unknown, at: string, inCronJob: boolean): void {
  const spec = c.obj(value, at);
  for (const f of JOB_COUNTS) c.nonNegative(spec[f], child(at, f));
  c.oneOf(spec.completionMode, child(at, 'completionMode'), ['NonIndexed', 'Indexed']);
  if (spec.completionMode === 'Indexed' && !present(spec.completions)) {
    c.add(child(at, 'completions'), '', required('when completion mode is Indexed'));
  }
  validateTemplate(c, spec.template, child(at, 'template'), { restart: 'job' });
  const policy = isObj(spec.template) && isObj(spec.template.spec) ? spec.template.spec.restartPolicy : undefined;
  if (present(spec.podFailurePolicy) && policy === 'OnFailure') {
    c.add(path(at, 'template', 'spec', 'restartPolicy'), policy, 'only "Never" is supported when podFailurePolicy is specified');
  }
  if (inCronJob) {
    if (present(spec.selector)) c.add(child(at, 'selector'), spec.selector, '`selector` will be auto-generated');
    if (spec.manualSelector === true) c.add(child(at, 'manualSelector'), true, unsupported(true, ['nil', 'false']));
  } else if (present(spec.selector)) {
    checkTemplateMatches(c, validateSelector(c, spec.selector, child(at, 'selector')), spec.template, child(at, 'template'));
  } else if (spec.manualSelector === true) c.add(child(at, 'selector'), '', required());
}

function validatePod(c: Check, o: Obj): void {
  validatePodSpec(c, o.spec, 'spec', { restart: 'any', isPod: true });
}

/** ValidateService (core validation). */
function validateService(c: Check, o: Obj): void {
  const spec = c.obj(o.spec, 'spec');
  c.oneOf(spec.type, 'spec.type', ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort']);
  const type = typeof spec.type === 'string' && spec.type !== '' ? spec.type : 'ClusterIP';
  const externalIPs = c.list(spec.externalIPs, 'spec.externalIPs');
  const clusterIPs = [spec.clusterIP, ...c.list(spec.clusterIPs, 'spec.clusterIPs')].filter((ip) => typeof ip === 'string' && ip !== '');
  const headless = clusterIPs[0] === 'None';
  const ports = c.list(spec.ports, 'spec.ports');
  if (ports.length === 0 && !headless && type !== 'ExternalName') c.add('spec.ports', '', required());
  if (headless && (type === 'LoadBalancer' || type === 'NodePort')) {
    c.add('spec.clusterIP', 'None', `may not be set to 'None' for ${type} services`);
  }
  if (type === 'ExternalName') {
    const cname = (c.str(spec.externalName, 'spec.externalName') ?? '').replace(/\.$/, '');
    if (cname) c.all('spec.externalName', cname, dns1123SubdomainErrors(cname));
    else c.add('spec.externalName', '', required());
  } else {
    for (const ip of clusterIPs.filter((v) => v !== 'None')) c.all('spec.clusterIP', ip, ipErrors(ip));
  }
  const names = new Set<string>();
  const pairs = new Set<string>();
  ports.forEach((v, i) => {
    const p = item('spec.ports', i);
    const port = c.obj(v, p);
    const name = c.str(port.name, child(p, 'name'));
    if (!name && ports.length > 1) c.add(child(p, 'name'), '', required());
    else if (name) {
      c.all(child(p, 'name'), name, dns1123LabelErrors(name));
      if (names.has(name)) c.add(child(p, 'name'), name, DUPLICATE);
      names.add(name);
    }
    c.port(port.port ?? 0, child(p, 'port'));
    c.oneOf(port.protocol, child(p, 'protocol'), ['SCTP', 'TCP', 'UDP']);
    // An unset or zero targetPort is defaulted to the port.
    if (present(port.targetPort) && port.targetPort !== 0 && port.targetPort !== '') {
      c.portNumOrName(port.targetPort, child(p, 'targetPort'));
    }
    if (type === 'ClusterIP' && present(port.nodePort) && port.nodePort !== 0) {
      c.add(child(p, 'nodePort'), port.nodePort, forbidden("may not be used when `type` is 'ClusterIP'"));
    } else if (present(port.nodePort) && port.nodePort !== 0) c.port(port.nodePort, child(p, 'nodePort'));
    const pair = `${port.protocol || 'TCP'}/${port.port}`;
    if (pairs.has(pair)) c.add(p, pair, DUPLICATE);
    pairs.add(pair);
  });
  validateLabels(c, spec.selector, 'spec.selector');
  c.oneOf(spec.sessionAffinity, 'spec.sessionAffinity', ['ClientIP', 'None']);
  externalIPs.forEach((ip, i) => c.named(ip, item('spec.externalIPs', i), ipErrors));
  const ranges = c.list(spec.loadBalancerSourceRanges, 'spec.loadBalancerSourceRanges');
  if (ranges.length > 0 && type !== 'LoadBalancer') {
    c.add('spec.loadBalancerSourceRanges', '', forbidden("may only be used when `type` is 'LoadBalancer'"));
  }
  // Space-padded values are allowed here, for historical reasons.
  const cidrErrors = (v: string): string[] => parseCidr(v.trim()).errors;
  ranges.forEach((r, i) => c.named(r, item('spec.loadBalancerSourceRanges', i), cidrErrors));
  const external = type === 'LoadBalancer' || type === 'NodePort' || externalIPs.length > 0;
  if (spec.externalTrafficPolicy && !external) {
    c.add('spec.externalTrafficPolicy', spec.externalTrafficPolicy, 'may only be set for externally-accessible services');
  } else c.oneOf(spec.externalTrafficPolicy, 'spec.externalTrafficPolicy', ['Cluster', 'Local']);
  c.oneOf(spec.internalTrafficPolicy, 'spec.internalTrafficPolicy', ['Cluster', 'Local']);
}

const MAX_DATA_BYTES = 1024 * 1024;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** A []byte field as JSON carries it: standard base64 (newlines ignored); its byte count, or undefined. */
function base64Bytes(c: Check, value: unknown, at: string, key: string): number | undefined {
  const text = c.str(value, at);
  if (text === undefined) return undefined;
  const clean = text.replace(/[\r\n]/g, '');
  if (BASE64.test(clean)) return Buffer.from(clean, 'base64').length;
  c.add(at, key, 'illegal base64 data');
  return undefined;
}

/** ValidateConfigMap: keys, no key in both data and binaryData, 1 MiB in all. */
function validateConfigMap(c: Check, o: Obj): void {
  let total = 0;
  const data = c.obj(o.data, 'data');
  const binary = c.obj(o.binaryData, 'binaryData');
  for (const [key, value] of Object.entries(data)) {
    c.all(child('data', key), key, configMapKeyErrors(key));
    if (Object.prototype.hasOwnProperty.call(binary, key)) c.add(child('data', key), key, 'duplicate of key present in binaryData');
    total += byteLength(c.str(value, child('data', key)) ?? '');
  }
  for (const [key, value] of Object.entries(binary)) {
    c.all(child('binaryData', key), key, configMapKeyErrors(key));
    total += base64Bytes(c, value, child('binaryData', key), key) ?? 0;
  }
  if (total > MAX_DATA_BYTES) c.add('data', `${total} bytes`, tooLong(MAX_DATA_BYTES));
}

/** The data keys each Secret type requires (any one of a list for basic-auth). */
const SECRET_TYPE_KEYS: Record<string, string[][]> = {
  'kubernetes.io/dockercfg': [['.dockercfg']],
  'kubernetes.io/dockerconfigjson': [['.dockerconfigjson']],
  'kubernetes.io/basic-auth': [['username', 'password']],
  'kubernetes.io/ssh-auth': [['ssh-privatekey']],
  'kubernetes.io/tls': [['tls.crt'], ['tls.key']],
};

/** The key of a docker config Secret, which must hold JSON. */
const SECRET_JSON_KEYS: Record<string, string> = {
  'kubernetes.io/dockercfg': '.dockercfg',
  'kubernetes.io/dockerconfigjson': '.dockerconfigjson',
};

/** ValidateSecret: keys, 1 MiB in all, and what its type requires. Values never appear in reports. */
function validateSecret(c: Check, o: Obj): void {
  const values = new Map<string, Buffer>();
  for (const [key, value] of Object.entries(c.obj(o.data, 'data'))) {
    c.all(child('data', key), key, configMapKeyErrors(key));
    if (base64Bytes(c, value, child('data', key), key) !== undefined) values.set(key, Buffer.from(String(value), 'base64'));
  }
  for (const [key, value] of Object.entries(c.obj(o.stringData, 'stringData'))) {
    c.all(child('stringData', key), key, configMapKeyErrors(key));
    if (c.str(value, child('stringData', key)) !== undefined) values.set(key, Buffer.from(value, 'utf8'));
  }
  const total = [...values.values()].reduce((sum, b) => sum + b.length, 0);
  if (total > MAX_DATA_BYTES) c.add('data', `${total} bytes`, tooLong(MAX_DATA_BYTES));
  const type = c.str(o.type, 'type') ?? '';
  for (const keys of SECRET_TYPE_KEYS[type] ?? []) {
    if (!keys.some((k) => values.has(k))) for (const k of keys) c.add(child('data', k), '', required());
  }
  const jsonKey = SECRET_JSON_KEYS[type];
  if (jsonKey && values.has(jsonKey)) {
    try {
      JSON.parse(values.get(jsonKey)!.toString('utf8'));
    } catch {
      // JSON.parse's message quotes the contents.
      c.add(child('data', jsonKey), '<secret contents redacted>', 'must be valid JSON');
    }
  }
  if (type === 'kubernetes.io/service-account-token' && !o.metadata?.annotations?.['kubernetes.io/service-account.name']) {
    c.add('metadata.annotations[kubernetes.io/service-account.name]', '', required());
  }
}

/** ValidatePersistentVolumeClaimSpec, for PVCs and a StatefulSet's volumeClaimTemplates. */
function validateClaimSpec(c: Check, value: unknown, at: string): void {
  const spec = c.obj(value, at);
  const modes = c.list(spec.accessModes, child(at, 'accessModes'));
  const supported = ['ReadOnlyMany', 'ReadWriteMany', 'ReadWriteOnce', 'ReadWriteOncePod'];
  if (modes.length === 0) c.add(child(at, 'accessModes'), '', required('at least 1 access mode is required'));
  for (const mode of modes.filter((m) => !supported.includes(m))) c.add(child(at, 'accessModes'), mode, unsupported(mode, supported));
  if (modes.includes('ReadWriteOncePod') && modes.some((m) => m !== 'ReadWriteOncePod' && supported.includes(m))) {
    c.add(child(at, 'accessModes'), modes, forbidden('may not use ReadWriteOncePod with other access modes'));
  }
  if (present(spec.selector)) validateSelector(c, spec.selector, child(at, 'selector'));
  const storageAt = path(at, 'resources', 'requests', 'storage');
  const requests = c.obj(c.obj(spec.resources, child(at, 'resources')).requests, path(at, 'resources', 'requests'));
  if (!present(requests.storage)) c.add(storageAt, '', required());
  const storage = c.quantity(requests.storage, storageAt);
  if (storage && quantityFraction(storage).n <= 0n) c.add(storageAt, requests.storage, 'must be greater than zero');
  if (spec.storageClassName) c.named(spec.storageClassName, child(at, 'storageClassName'), dns1123SubdomainErrors);
  c.oneOf(spec.volumeMode, child(at, 'volumeMode'), ['Block', 'Filesystem']);
}

function validatePersistentVolumeClaim(c: Check, o: Obj): void {
  validateClaimSpec(c, o.spec, 'spec');
}

/** ValidateNetworkPolicySpec (networking validation). */
function validateNetworkPolicy(c: Check, o: Obj): void {
  const spec = c.obj(o.spec, 'spec');
  validateSelector(c, spec.podSelector, 'spec.podSelector');
  for (const [direction, peers] of [
    ['ingress', 'from'],
    ['egress', 'to'],
  ]) {
    c.list(spec[direction], child('spec', direction)).forEach((rule, i) => {
      const p = item(child('spec', direction), i);
      const r = c.obj(rule, p);
      c.list(r.ports, child(p, 'ports')).forEach((port, j) => validatePolicyPort(c, port, item(child(p, 'ports'), j)));
      c.list(r[peers], child(p, peers)).forEach((peer, j) => validatePolicyPeer(c, peer, item(child(p, peers), j)));
    });
  }
  const types = c.list(spec.policyTypes, 'spec.policyTypes');
  if (types.length > 2) c.add('spec.policyTypes', types, 'may not specify more than two policyTypes');
  else {
    const invalid = types.filter((t) => t !== 'Ingress' && t !== 'Egress');
    for (const t of invalid) c.add('spec.policyTypes', t, unsupported(t, ['Ingress', 'Egress']));
  }
}

function validatePolicyPort(c: Check, value: unknown, at: string): void {
  const port = c.obj(value, at);
  c.oneOf(port.protocol, child(at, 'protocol'), ['TCP', 'UDP', 'SCTP']);
  const endPort = c.int(port.endPort, child(at, 'endPort'));
  if (typeof port.port === 'number') {
    c.port(port.port, child(at, 'port'));
    if (endPort !== undefined && endPort < port.port) c.add(child(at, 'endPort'), endPort, 'must be greater than or equal to `port`');
    if (endPort !== undefined) c.all(child(at, 'endPort'), endPort, portNumErrors(endPort));
  } else if (present(port.port)) {
    if (endPort !== undefined) c.add(child(at, 'endPort'), endPort, 'may not be specified when `port` is non-numeric');
    c.portNumOrName(port.port, child(at, 'port'));
  } else if (endPort !== undefined) c.add(child(at, 'endPort'), endPort, 'may not be specified when `port` is not specified');
}

function validatePolicyPeer(c: Check, value: unknown, at: string): void {
  const peer = c.obj(value, at);
  const kinds = ['podSelector', 'namespaceSelector', 'ipBlock'].filter((k) => present(peer[k]));
  for (const k of kinds.filter((s) => s !== 'ipBlock')) validateSelector(c, peer[k], child(at, k));
  if (present(peer.ipBlock)) validateIPBlock(c, peer.ipBlock, child(at, 'ipBlock'));
  if (kinds.length === 0) c.add(at, '', required('must specify a peer'));
  else if (kinds.length > 1 && kinds.includes('ipBlock')) c.add(at, '', forbidden('may not specify both ipBlock and another peer'));
}

function validateIPBlock(c: Check, value: unknown, at: string): void {
  const block = c.obj(value, at);
  const cidrText = c.requiredStr(block.cidr, child(at, 'cidr'));
  if (cidrText === undefined) return;
  const outer = parseCidr(cidrText);
  c.all(child(at, 'cidr'), cidrText, outer.errors);
  if (!outer.cidr) return;
  c.list(block.except, child(at, 'except')).forEach((e, i) => {
    const p = item(child(at, 'except'), i);
    const text = c.str(e, p);
    if (text === undefined) return;
    const inner = parseCidr(text);
    c.all(p, text, inner.errors);
    if (inner.cidr && (!cidrContains(outer.cidr!, inner.cidr) || outer.cidr!.prefix >= inner.cidr.prefix)) {
      c.add(p, text, 'must be a strict subset of `cidr`');
    }
  });
}

const INVALID_PATH_SEQUENCES = ['//', '/./', '/../', '%2f', '%2F'];

/** ValidateIngressCreate (networking validation). */
function validateIngress(c: Check, o: Obj): void {
  const spec = c.obj(o.spec, 'spec');
  const rules = c.list(spec.rules, 'spec.rules');
  if (rules.length === 0 && !present(spec.defaultBackend)) c.add('spec', '', 'either `defaultBackend` or `rules` must be specified');
  if (present(spec.defaultBackend)) validateIngressBackend(c, spec.defaultBackend, 'spec.defaultBackend');
  rules.forEach((rule, i) => {
    const p = item('spec.rules', i);
    const r = c.obj(rule, p);
    const host = c.str(r.host, child(p, 'host'));
    if (host) {
      if (parseIP(host)) c.add(child(p, 'host'), host, 'must be a DNS name, not an IP address');
      c.all(child(p, 'host'), host, host.includes('*') ? wildcardSubdomainErrors(host) : dns1123SubdomainErrors(host));
    }
    if (!present(r.http)) return;
    const paths = c.list(c.obj(r.http, child(p, 'http')).paths, path(p, 'http', 'paths'));
    if (paths.length === 0) c.add(path(p, 'http', 'paths'), '', required());
    paths.forEach((entry, j) => validateIngressPath(c, entry, item(path(p, 'http', 'paths'), j)));
  });
  c.list(spec.tls, 'spec.tls').forEach((tls, i) => {
    const p = item('spec.tls', i);
    const t = c.obj(tls, p);
    c.list(t.hosts, child(p, 'hosts')).forEach((host, j) => {
      c.named(host, item(child(p, 'hosts'), j), (h) => (h.includes('*') ? wildcardSubdomainErrors(h) : dns1123SubdomainErrors(h)));
    });
    if (t.secretName) c.named(t.secretName, child(p, 'secretName'), dns1123SubdomainErrors);
  });
  c.named(spec.ingressClassName, 'spec.ingressClassName', dns1123SubdomainErrors);
  const classAnnotation = o.metadata?.annotations?.['kubernetes.io/ingress.class'];
  if (present(classAnnotation) && typeof spec.ingressClassName === 'string' && classAnnotation !== spec.ingressClassName) {
    c.add('metadata.annotations[kubernetes.io/ingress.class]', classAnnotation, 'must match `ingressClassName` when both are specified');
  }
}

function validateIngressPath(c: Check, value: unknown, at: string): void {
  const entry = c.obj(value, at);
  const p = c.str(entry.path, child(at, 'path')) ?? '';
  const type = entry.pathType;
  if (!present(type)) c.add(child(at, 'pathType'), '', required('pathType must be specified'));
  else if (type === 'Exact' || type === 'Prefix') {
    if (!p.startsWith('/')) c.add(child(at, 'path'), p, 'must be an absolute path');
    for (const seq of INVALID_PATH_SEQUENCES.filter((s) => p.includes(s))) c.add(child(at, 'path'), p, `must not contain '${seq}'`);
    for (const suffix of ['/..', '/.'].filter((s) => p.endsWith(s))) c.add(child(at, 'path'), p, `cannot end with '${suffix}'`);
  } else if (type === 'ImplementationSpecific') {
    if (p !== '' && !p.startsWith('/')) c.add(child(at, 'path'), p, 'must be an absolute path');
  } else c.add(child(at, 'pathType'), type, unsupported(type, ['Exact', 'ImplementationSpecific', 'Prefix']));
  if (present(type)) validateIngressBackend(c, entry.backend, child(at, 'backend'));
}

function validateIngressBackend(c: Check, value: unknown, at: string): void {
  const backend = c.obj(value, at);
  if (present(backend.resource) && present(backend.service)) {
    c.add(at, '', 'cannot set both resource and service backends');
    return;
  }
  if (present(backend.resource)) {
    const resource = c.obj(backend.resource, child(at, 'resource'));
    c.requiredStr(resource.kind, path(at, 'resource', 'kind'));
    c.requiredStr(resource.name, path(at, 'resource', 'name'));
    return;
  }
  if (!present(backend.service)) {
    c.add(at, '', 'resource or service backend is required');
    return;
  }
  const service = c.obj(backend.service, child(at, 'service'));
  const name = c.requiredStr(service.name, path(at, 'service', 'name'));
  if (name !== undefined) c.all(path(at, 'service', 'name'), name, dns1035LabelErrors(name));
  const port = c.obj(service.port, path(at, 'service', 'port'));
  const hasName = typeof port.name === 'string' && port.name !== '';
  const hasNumber = present(port.number) && port.number !== 0;
  if (hasName && hasNumber) c.add(at, '', 'cannot set both port name & port number');
  else if (hasName) c.all(path(at, 'service', 'port', 'name'), port.name, portNameErrors(port.name));
  else if (hasNumber) c.port(port.number, path(at, 'service', 'port', 'number'));
  else c.add(at, '', required('port name or number is required'));
}

// ------------------------------------------------------------------------------------------
// Entry point
// ------------------------------------------------------------------------------------------

type NameRule = (name: string) => string[];

interface KindRules {
  readonly name: NameRule;
  readonly validate?: (c: Check, o: Obj) => void;
  readonly clusterScoped?: boolean;
}

const KINDS = new Map<string, KindRules>([
  ['Namespace', { name: dns1123LabelErrors, clusterScoped: true }],
  ['Service', { name: dns1035LabelErrors, validate: validateService }],
  ['ConfigMap', { name: dns1123SubdomainErrors, validate: validateConfigMap }],
  ['Secret', { name: dns1123SubdomainErrors, validate: validateSecret }],
  ['Pod', { name: dns1123SubdomainErrors, validate: validatePod }],
  ['Deployment', { name: dns1123SubdomainErrors, validate: validateDeployment }],
  ['StatefulSet', { name: dns1123LabelErrors, validate: validateStatefulSet }],
  ['Job', { name: dns1123SubdomainErrors, validate: validateJob }],
  ['CronJob', { name: dns1123SubdomainErrors, validate: validateCronJob }],
  ['NetworkPolicy', { name: dns1123SubdomainErrors, validate: validateNetworkPolicy }],
  ['Ingress', { name: dns1123SubdomainErrors, validate: validateIngress }],
  ['PersistentVolumeClaim', { name: dns1123SubdomainErrors, validate: validatePersistentVolumeClaim }],
  ['ServiceAccount', { name: dns1123SubdomainErrors }],
  ['Role', { name: pathSegmentErrors }],
  ['RoleBinding', { name: pathSegmentErrors }],
  ['ClusterRole', { name: pathSegmentErrors, clusterScoped: true }],
  ['ClusterRoleBinding', { name: pathSegmentErrors, clusterScoped: true }],
  ['PersistentVolume', { name: dns1123SubdomainErrors, clusterScoped: true }],
  ['StorageClass', { name: dns1123SubdomainErrors, clusterScoped: true }],
  ['IngressClass', { name: dns1123SubdomainErrors, clusterScoped: true }],
  ['PriorityClass', { name: dns1123SubdomainErrors, clusterScoped: true }],
  ['CustomResourceDefinition', { name: dns1123SubdomainErrors, clusterScoped: true }],
]);

/** Finalizer names without a prefix that Kubernetes knows (validateKubeFinalizerName). */
const STANDARD_FINALIZERS = ['kubernetes', 'orphan', 'foregroundDeletion'];

/** ValidateObjectMeta: name, namespace, labels, annotations, finalizers. */
function validateMeta(c: Check, o: Obj, rules: KindRules | undefined): void {
  const meta = c.obj(o.metadata, 'metadata');
  const nameRule = rules?.name ?? dns1123SubdomainErrors;
  const generateName = c.str(meta.generateName, 'metadata.generateName');
  if (generateName) {
    // Go's maskTrailingDash: a prefix may end in "-".
    const masked = generateName.length > 1 && generateName.endsWith('-') ? `${generateName.slice(0, -2)}a` : generateName;
    c.all('metadata.generateName', generateName, nameRule(masked));
  }
  const name = c.str(meta.name, 'metadata.name');
  if (name) c.all('metadata.name', name, nameRule(name));
  else if (!generateName) c.add('metadata.name', '', required('name or generateName is required'));
  if (meta.namespace && !rules?.clusterScoped) c.named(meta.namespace, 'metadata.namespace', dns1123LabelErrors);
  validateLabels(c, meta.labels, 'metadata.labels');
  validateAnnotations(c, meta.annotations, 'metadata.annotations');
  c.list(meta.finalizers, 'metadata.finalizers').forEach((f, i) => {
    const at = item('metadata.finalizers', i);
    c.named(f, at, qualifiedNameErrors);
    if (rules && typeof f === 'string' && !f.includes('/') && !STANDARD_FINALIZERS.includes(f)) {
      c.add(at, f, 'name is neither a standard finalizer name nor is it fully qualified');
    }
  });
}

function objectName(o: unknown): string {
  const kind = isObj(o) && typeof o.kind === 'string' && o.kind ? o.kind : '(no kind)';
  const meta = isObj(o) && isObj(o.metadata) ? o.metadata : {};
  const name = typeof meta.name === 'string' && meta.name ? meta.name : '(no name)';
  const namespaced = !KINDS.get(kind)?.clusterScoped && typeof meta.namespace === 'string' && meta.namespace !== '';
  return namespaced ? `${kind} ${meta.namespace}/${name}` : `${kind} ${name}`;
}

/** Every rule broken by the objects, in object order then field order; [] when all pass. */
export function validateObjects(objects: ReadonlyArray<Record<string, any>>): Violation[] {
  return objects.flatMap((o) => {
    const c = new Check(objectName(o));
    if (!isObj(o)) {
      c.add('', o, 'must be an object');
      return c.found;
    }
    const rules = typeof o.kind === 'string' ? KINDS.get(o.kind) : undefined;
    validateMeta(c, o, rules);
    rules?.validate?.(c, o);
    return c.found;
  });
}

/**
 * A Kubernetes message without its trailing example and regex ("… (e.g. 'example.com', regex used …)"):
 * the rule alone, for one-line messages.
 */
export function ruleOnly(message: string): string {
  return message.replace(/ \(e\.g\. .*$/, '');
}
