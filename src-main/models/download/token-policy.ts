/**
 * Where the Hugging Face access token may go: only over https, and only to the hub it belongs to
 * (huggingface.co) or to an endpoint the user marked as trusted (`--trust-endpoint`, or
 * $TUNELOOM_TRUSTED_ENDPOINTS, comma-separated base URLs). A mirror or a plain-http endpoint gets
 * no Authorization header: a token is a password to the user's account.
 */
export const TRUSTED_ENDPOINTS_ENV = 'TUNELOOM_TRUSTED_ENDPOINTS';

const HUB_HOSTS = ['huggingface.co'];

export type TokenDecision = { send: true } | { send: false; why: string };

function originOf(url: string): string | null {
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}

export function trustedEndpoints(explicit: string[] = [], env: NodeJS.ProcessEnv = process.env): string[] {
  return [...explicit, ...(env[TRUSTED_ENDPOINTS_ENV] ?? '').split(',')].map((s) => s.trim()).filter(Boolean);
}

/** Whether a request to `url` may carry the token. */
export function mayCarryToken(url: string, trusted: string[]): TokenDecision {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return { send: false, why: 'not a URL' };
  }
  if (u.protocol !== 'https:') return { send: false, why: `${u.origin} is plain http` };
  const host = u.hostname.toLowerCase();
  if (HUB_HOSTS.some((h) => host === h || host.endsWith(`.${h}`)) && u.port === '') return { send: true };
  if (trusted.map(originOf).includes(u.origin)) return { send: true };
  return { send: false, why: `${u.origin} is not huggingface.co and not marked trusted (--trust-endpoint or ${TRUSTED_ENDPOINTS_ENV})` };
}
