/**
 * Argo CD's AppProject rules as data, for tests: what a sync of an Application in a project may
 * create. The rules follow Argo CD's documentation of the project specification: the source
 * repository and the Application's destination must match the project's lists; a namespaced
 * object must land in a permitted destination namespace and be of a whitelisted kind; a
 * cluster-scoped object must match clusterResourceWhitelist (group, kind and, when given, name),
 * an absent or empty list permitting none; an absent namespaceResourceWhitelist permits every
 * namespaced kind, an empty one none (Argo CD's AppProject.IsGroupKindPermitted). Group, kind, namespace and name patterns are Go
 * filepath.Match globs.
 */

/** Go's filepath.Match on names without "/": `*`, `?` and `[...]` (negated with `^`). */
export function globMatch(pattern: string, value: string): boolean {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = pattern.indexOf(']', i + 1);
      if (end < 0) return false; // filepath.ErrBadPattern
      re += `[${pattern.slice(i + 1, end)}]`;
      i = end;
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`).test(value);
}

export interface Resource {
  readonly group: string;
  readonly kind: string;
  readonly name: string;
  /** Undefined for a cluster-scoped kind. */
  readonly namespace?: string;
}

interface Restriction {
  group: string;
  kind: string;
  name?: string;
}

const matchesKind = (r: Restriction, o: Resource) => globMatch(r.group, o.group) && globMatch(r.kind, o.kind);

/** Why the project refuses the Application's destination, or undefined when it permits it. */
export function destinationRefusal(project: any, destination: { server: string; namespace: string }): string | undefined {
  const ok = (project.spec.destinations ?? []).some(
    (d: any) => globMatch(d.server, destination.server) && globMatch(d.namespace, destination.namespace),
  );
  return ok ? undefined : `destination ${destination.server} ${destination.namespace} is not one of project ${project.metadata.name}'s`;
}

/** Why the project refuses this object, or undefined when it permits it. */
export function resourceRefusal(project: any, o: Resource): string | undefined {
  const spec = project.spec;
  const what = `${o.group}/${o.kind} ${o.namespace ? `${o.namespace}/` : ''}${o.name}`;
  if (o.namespace === undefined) {
    const allowed = (spec.clusterResourceWhitelist ?? []).some(
      (r: Restriction) => matchesKind(r, o) && (r.name === undefined || r.name === '' || globMatch(r.name, o.name)),
    );
    const denied = (spec.clusterResourceBlacklist ?? []).some(
      (r: Restriction) => matchesKind(r, o) && (r.name === undefined || r.name === '' || globMatch(r.name, o.name)),
    );
    return allowed && !denied ? undefined : `cluster-scoped ${what} is not whitelisted`;
  }
  if (!(spec.destinations ?? []).some((d: any) => globMatch(d.namespace, o.namespace!))) return `${what}: namespace not permitted`;
  // An absent namespaced whitelist permits every kind; an empty one, none (Go's nil vs empty slice).
  const whitelist: Restriction[] | undefined = spec.namespaceResourceWhitelist;
  if (whitelist !== undefined && !whitelist.some((r) => matchesKind(r, o))) return `${what}: kind not whitelisted`;
  if ((spec.namespaceResourceBlacklist ?? []).some((r: Restriction) => matchesKind(r, o))) return `${what}: kind blacklisted`;
  return undefined;
}

/** Whether the project's sourceRepos admit this repository URL. */
export const sourcePermitted = (project: any, repoURL: string) =>
  (project.spec.sourceRepos ?? []).some((r: string) => r === '*' || globMatch(r, repoURL));

/** A manifest as the resource Argo CD would create, in the Application's namespace when it sets none. */
export function asResource(o: any, defaultNamespace: string, clusterScoped: boolean): Resource {
  const group = o.apiVersion.includes('/') ? o.apiVersion.split('/')[0] : '';
  return {
    group,
    kind: o.kind,
    name: o.metadata.name,
    namespace: clusterScoped ? undefined : (o.metadata.namespace ?? defaultNamespace),
  };
}
