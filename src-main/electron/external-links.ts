/**
 * Which links leave the app for the system browser (shell.openExternal): https links to the hosts
 * Tuneloom links to itself open at once; any other http(s) link (a model card, a URL in a model's
 * answer) is opened only after the user says yes; anything else (file:, javascript:, custom
 * schemes that launch other programs) never is.
 */
export const LINK_HOSTS = ['huggingface.co', 'hf-mirror.com', 'modelscope.cn', 'github.com'];

export type LinkDecision = 'open' | 'ask' | 'refuse';

export function externalLinkDecision(url: string, hosts: readonly string[] = LINK_HOSTS): LinkDecision {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return 'refuse';
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return 'refuse';
  if (u.username || u.password) return 'ask'; // https://huggingface.co@evil.example reads like our host
  const host = u.hostname.toLowerCase();
  const ours = hosts.some((h) => host === h || host.endsWith(`.${h}`));
  return ours && u.protocol === 'https:' && u.port === '' ? 'open' : 'ask';
}
