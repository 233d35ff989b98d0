/**
 * Schema v2: which process owns a live run. A run in `queued`/`running`/`paused` whose owner process is
 * gone (or whose heartbeat went stale) was cut off by a crash, and start-up marks it `interrupted`.
 * Without an owner, a second Tuneloom process (the CLI beside the app) could not tell a crashed run from
 * one another process is still training.
 */
import type { Migration } from '../migration';

export const migration002: Migration = {
  version: 2,
  name: 'run owner and heartbeat',
  sql: `
ALTER TABLE runs ADD COLUMN owner_pid INTEGER;
ALTER TABLE runs ADD COLUMN owner_host TEXT;
ALTER TABLE runs ADD COLUMN heartbeat_at REAL;           -- unix ms, refreshed while the owner lives
ALTER TABLE runs ADD COLUMN resume_count INTEGER NOT NULL DEFAULT 0;
`,
};
