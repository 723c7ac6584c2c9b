/** The one kind of error a user fixes: bad input, with a message naming the file, the field and the fix. */

/** A configuration or command line the user has to fix; the message names the file, the field and the fix. */
export class ConfigError extends Error {}

/** A value as a message shows it: quoted, escaped, and cut short (it may be 1 MB long or hold a newline). */
export function show(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}…"` : text;
}

/** What the operating system said, as a sentence naming the path: never a bare errno. */
export function describeError(error: unknown): string {
  const e = error as NodeJS.ErrnoException & { dest?: string };
  if (!e?.code || !e.syscall) return (e as Error)?.message ?? String(error);
  const hint: Record<string, string> = {
    EACCES: 'check its permissions',
    EPERM: 'check its permissions',
    ENOSPC: 'the disk is full',
    EROFS: 'the file system is read-only',
    EISDIR: 'a folder is where a file should be',
    ENOTDIR: 'a file is where a folder should be',
    EBUSY: 'it is in use (the current folder?)',
    ENOENT: 'it does not exist (or went away meanwhile: another run at the same time?)',
  };
  const where = [e.path, e.dest].filter(Boolean).join(' → ');
  return `${where || 'a file'}: cannot ${e.syscall} (${e.code}): ${hint[e.code] ?? 'see the message of the operating system'}`;
}
