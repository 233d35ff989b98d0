/**
 * Whether an Electron IPC message comes from us: one of our windows' webContents, from a frame whose URL
 * is on the app's own origin. Pure (no electron import) so it is unit-tested directly.
 */
export interface SenderFacts {
  webContentsId: number;
  /** senderFrame.url; null when the frame is gone (navigated away or destroyed). */
  frameUrl: string | null | undefined;
}

export function isTrustedSender(facts: SenderFacts, isOurWebContents: (id: number) => boolean, appOrigin: string): boolean {
  if (!facts.frameUrl || !isOurWebContents(facts.webContentsId)) return false;
  return originOf(facts.frameUrl) === appOrigin;
}

/**
 * `scheme://host[:port]` of a URL, or null. Node's URL.origin is "null" for custom schemes such as
 * app://, so the origin is rebuilt from protocol and host.
 */
export function originOf(url: string): string | null {
  try {
    const u = new URL(url);
    return u.host ? `${u.protocol}//${u.host}` : null;
  } catch {
    return null;
  }
}
