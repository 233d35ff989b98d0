/**
 * The Host header allow-list of `tuneloom serve` (DNS rebinding: a page on evil.example whose name
 * is made to resolve to 127.0.0.1 sends `Host: evil.example`, and its Origin matches that Host, so
 * the origin check alone lets it through). Only the names serve is bound to are accepted: for a
 * loopback bind localhost, 127.0.0.1 and ::1; for a wildcard bind (0.0.0.0, ::) also this
 * machine's host name and the addresses of its interfaces; plus the names given with --allow-host
 * (a reverse proxy's public name).
 */
import { hostname, networkInterfaces } from 'node:os';

const LOOPBACK = ['localhost', '127.0.0.1', '::1'];
const WILDCARD = new Set(['0.0.0.0', '::', '']);

export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

/** Lower-case host names (IPv6 without brackets) a request's Host may name. */
export function allowedHostNames(bindHost: string, extra: string[] = []): Set<string> {
  const bound = bindHost.toLowerCase().replace(/^\[|\]$/g, '');
  const names = new Set<string>([...LOOPBACK, bound, ...extra.map((e) => e.toLowerCase().replace(/^\[|\]$/g, ''))]);
  if (WILDCARD.has(bound)) {
    names.add(hostname().toLowerCase());
    for (const list of Object.values(networkInterfaces())) for (const a of list ?? []) names.add(a.address.toLowerCase().replace(/%.*$/, ''));
  }
  names.delete('');
  return names;
}

/** The name part of a Host header (`name:port`, `[v6]:port`), lower-case; null when malformed. */
export function hostNameOf(header: string | undefined): string | null {
  if (!header) return null;
  const m = /^\[([0-9a-f:.]+)\](?::\d{1,5})?$/i.exec(header) ?? /^([^:[\]\s/]+)(?::\d{1,5})?$/.exec(header);
  return m ? m[1]!.toLowerCase().replace(/\.$/, '') : null;
}

export function hostAllowed(header: string | undefined, allowed: Set<string>): boolean {
  const name = hostNameOf(header);
  return name !== null && allowed.has(name);
}
