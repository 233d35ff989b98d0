/**
 * Whether a live run row still has a living owner. Several Tuneloom processes can share one store (the
 * app, a `tuneloom train` in a terminal); each claims its runs with its pid and refreshes a heartbeat.
 * A run is orphaned when its owner process is gone (same host) or its heartbeat is stale (any host).
 */
import { hostname } from 'node:os';
import type { RunOwnerRow } from '../store/queries/run-lifecycle';

export const OWNER_HEARTBEAT_MS = 5_000;
export const OWNER_STALE_MS = 30_000;

export function thisOwner(): { pid: number; host: string } {
  return { pid: process.pid, host: hostname() };
}

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function ownerAlive(row: RunOwnerRow, now = Date.now(), staleMs = OWNER_STALE_MS): boolean {
  if (row.ownerPid === null || row.heartbeatAt === null) return false;
  if (now - row.heartbeatAt > staleMs) return false;
  if (row.ownerHost === hostname() && !pidAlive(row.ownerPid)) return false;
  return true;
}
