/**
 * The renderer's Content-Security-Policy, for both the Electron window and `tuneloom serve`. Scripts come
 * only from our own origin (no eval, no inline), nothing is framed, no plugins, no remote content.
 * Inline style attributes are allowed because Svelte and chart.js set element styles.
 */
export function contentSecurityPolicy(opts: { connect?: string[] } = {}): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    `connect-src 'self'${opts.connect?.length ? ' ' + opts.connect.join(' ') : ''}`,
    "manifest-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
    "object-src 'none'",
  ].join('; ');
}
