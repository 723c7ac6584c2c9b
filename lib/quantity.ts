/**
 * Kubernetes resource quantities ("500m", "1.5", "512Mi", "2G"), parsed so that
 * sizes can be validated, compared and turned into Postgres settings.
 */

const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40 };
const DECIMAL: Record<string, number> = { '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12 };
const QUANTITY = /^([0-9]+(?:\.[0-9]+)?)(Ki|Mi|Gi|Ti|k|M|G|T|m)?$/;

/** Bytes in a memory quantity such as "512Mi" or "1G"; undefined when it is not one. */
export function memoryBytes(quantity: string): number | undefined {
  const match = QUANTITY.exec(quantity);
  if (!match || match[2] === 'm') return undefined;
  const unit = match[2] ?? '';
  return Math.round(Number(match[1]) * (BINARY[unit] ?? DECIMAL[unit]));
}

/** Millicores in a CPU quantity such as "250m" or "1.5"; undefined when it is not one. */
export function cpuMillis(quantity: string): number | undefined {
  const match = QUANTITY.exec(quantity);
  if (!match) return undefined;
  if (match[2] === 'm') return Number(match[1]);
  if (match[2] !== undefined) return undefined;
  return Math.round(Number(match[1]) * 1000);
}

const MiB = 2 ** 20;

/** A byte count as a Postgres memory setting in whole megabytes ("256MB"). */
export function postgresMegabytes(bytes: number): string {
  return `${Math.max(1, Math.floor(bytes / MiB))}MB`;
}

/** A byte count as a Kubernetes quantity in whole mebibytes ("256Mi"). */
export function mebibytes(bytes: number): string {
  return `${Math.max(1, Math.floor(bytes / MiB))}Mi`;
}
