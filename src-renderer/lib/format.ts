/** Small display helpers shared by the views. */

export function basename(path: string | null | undefined): string {
  if (!path) return '';
  const parts = path.split(/[\\/]/).filter(Boolean);
  return parts[parts.length - 1] ?? path;
}

/** "1 h 5 min" / "1 小时 5 分" style durations, coarse on purpose (it is an ETA). */
export function formatDuration(ms: number, lang: string): string {
  const zh = lang.startsWith('zh');
  const s = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (h > 0) return zh ? `${h} 小时 ${m} 分` : `${h} h ${m} min`;
  if (m > 0) return zh ? `${m} 分 ${sec} 秒` : `${m} min ${sec} s`;
  return zh ? `${sec} 秒` : `${sec} s`;
}

export function formatParams(n: number | null): string {
  if (n == null) return '—';
  if (n >= 1e9) return `${(n / 1e9).toFixed(1)}B`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(1)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}K`;
  return String(n);
}

const GiB = 1024 ** 3;
/** Memory sizes: GiB for totals people compare with their card; small parts in the unit that shows them. */
export function formatMemory(bytes: number): string {
  if (bytes >= GiB / 10) return `${(bytes / GiB).toFixed(bytes >= 10 * GiB ? 1 : 2)} GiB`;
  if (bytes >= 1024 ** 2) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`;
  return `${Math.max(0, Math.round(bytes / 1024))} KiB`;
}

export function formatLoss(v: number | null | undefined): string {
  return v == null || !Number.isFinite(v) ? '—' : v.toFixed(4);
}

/** Offers a Blob to the user as a download (works in Electron and in a browser). */
export function download(name: string, blob: Blob): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
