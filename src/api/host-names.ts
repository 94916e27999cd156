// DNS rebinding: a page of attacker.example whose name is made to resolve to 127.0.0.1 reaches a
// loopback server from the victim's browser, with `Host: attacker.example`. Routes without a key
// (the mock bureau's /admin and /v1, the API's /metrics) answer only the names they are meant to
// be reached by: the loopback names, the address they are bound to, the public origin's host,
// and the names an operator lists.

const LOOPBACK = ['localhost', '127.0.0.1', '::1'];
const WILDCARDS = new Set(['', '0.0.0.0', '::', '[::]']);

/** The host name of a `Host` header (`name`, `name:port`, `[v6]:port`), lower case, without a final dot. */
export function hostNameOf(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const value = header.trim().toLowerCase();
  const name = value.startsWith('[') ? value.slice(1, value.indexOf(']')) : value.replace(/:\d*$/, '');
  return name.replace(/\.$/, '') || undefined;
}

/** The names a server answers: loopback, its bind address (unless a wildcard), the public origin's host and `extra`. */
export function allowedHostNames(o: { bindHost?: string | undefined; publicOrigin?: string | undefined; extra?: readonly string[] }): Set<string> {
  const names = new Set(LOOPBACK);
  // An address, not a Host header: an IPv6 one (fe80::1) has colons but no port.
  if (o.bindHost && !WILDCARDS.has(o.bindHost)) names.add(o.bindHost.includes('::') || o.bindHost.split(':').length > 2 ? o.bindHost.toLowerCase().replace(/^\[|\]$/g, '') : hostNameOf(o.bindHost)!);
  if (o.publicOrigin) names.add(hostNameOf(new URL(o.publicOrigin).host)!);
  for (const name of o.extra ?? []) {
    const n = hostNameOf(name);
    if (n) names.add(n);
  }
  return names;
}

/** Host names from a comma-separated setting (ALLOWED_HOSTS, BUREAU_ALLOWED_HOSTS). */
export function hostList(setting: string | undefined): string[] {
  return (setting ?? '').split(',').map((h) => h.trim()).filter(Boolean);
}

export function hostAllowed(header: string | undefined, names: ReadonlySet<string>): boolean {
  const name = hostNameOf(header);
  return name !== undefined && names.has(name);
}
