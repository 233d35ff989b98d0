/**
 * Schema v1: the experiment store. Runs reference the model and dataset they used, and copy the facts
 * needed to reproduce them (paths, hashes, full config) so a run stays meaningful after a model row changes.
 * Per-step tables are keyed by (run_id, step) so a resumed run can never write a step twice.
 */
import type { Migration } from '../migration';

export const migration001: Migration = {
  version: 1,
  name: 'initial schema',
  sql: `
CREATE TABLE models (
  id                INTEGER PRIMARY KEY,
  path              TEXT NOT NULL UNIQUE,
  name              TEXT NOT NULL,
  family            TEXT NOT NULL,            -- qwen2 | qwen3 | llama
  params            INTEGER,                  -- parameter count
  dtype             TEXT,
  has_chat_template INTEGER NOT NULL DEFAULT 0,
  config_hash       TEXT,                     -- sha256 of config.json
  source            TEXT NOT NULL DEFAULT 'local', -- local | huggingface | modelscope | demo
  repo_id           TEXT,
  is_demo           INTEGER NOT NULL DEFAULT 0,
  created_at        TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);

CREATE TABLE datasets (
  id            INTEGER PRIMARY KEY,
  name          TEXT NOT NULL,
  source_paths  TEXT NOT NULL,               -- JSON array of files
  sha256        TEXT NOT NULL,               -- of the file, or of the sorted per-file hashes
  format        TEXT NOT NULL,
  encoding      TEXT,
  mapping_json  TEXT,                        -- how fields map to roles
  examples      INTEGER NOT NULL DEFAULT 0,
  skipped       INTEGER NOT NULL DEFAULT 0,
  stats_json    TEXT,                        -- token-length histogram, tokens per epoch, ...
  is_demo       INTEGER NOT NULL DEFAULT 0,
  created_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX datasets_sha ON datasets(sha256);

CREATE TABLE runs (
  id                INTEGER PRIMARY KEY,
  name              TEXT NOT NULL,
  status            TEXT NOT NULL CHECK (status IN ('queued','running','paused','completed','failed','stopped','interrupted')),
  method            TEXT NOT NULL CHECK (method IN ('lora','ptuning')),
  model_id          INTEGER REFERENCES models(id) ON DELETE SET NULL,
  model_path        TEXT NOT NULL,
  model_config_hash TEXT,
  dataset_id        INTEGER REFERENCES datasets(id) ON DELETE SET NULL,
  dataset_path      TEXT,
  dataset_sha256    TEXT,
  val_dataset_path  TEXT,
  config_json       TEXT NOT NULL,           -- every hyper-parameter, as launched
  seed              INTEGER NOT NULL,
  backend           TEXT,
  app_version       TEXT NOT NULL,
  os                TEXT,
  gpu_json          TEXT,                    -- adapter info from the worker
  out_dir           TEXT NOT NULL,
  adapter_path      TEXT,                    -- the finished adapter
  total_steps       INTEGER,
  last_step         INTEGER NOT NULL DEFAULT 0,
  best_eval_loss    REAL,
  error_json        TEXT,                    -- {name, message, kind} when failed/interrupted
  preset            TEXT,
  created_at        TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  started_at        TEXT,
  finished_at       TEXT,
  updated_at        TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX runs_status ON runs(status);

CREATE TABLE metrics (
  run_id        INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  step          INTEGER NOT NULL,
  loss          REAL,
  lr            REAL,
  grad_norm     REAL,
  tokens_per_s  REAL,
  epoch         REAL,
  tokens_seen   INTEGER,
  ts            REAL NOT NULL,               -- unix ms
  PRIMARY KEY (run_id, step)
) WITHOUT ROWID;

CREATE TABLE samples (
  run_id      INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  step        INTEGER NOT NULL,
  prompt_idx  INTEGER NOT NULL,
  prompt      TEXT NOT NULL,
  output      TEXT NOT NULL,
  ts          REAL NOT NULL,
  PRIMARY KEY (run_id, step, prompt_idx)
) WITHOUT ROWID;

CREATE TABLE checkpoints (
  run_id      INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  step        INTEGER NOT NULL,
  path        TEXT NOT NULL,
  bytes       INTEGER,
  eval_loss   REAL,
  kept        INTEGER NOT NULL DEFAULT 1,    -- 0 once pruned from disk
  created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  PRIMARY KEY (run_id, step)
);

CREATE TABLE evals (
  id            INTEGER PRIMARY KEY,
  run_id        INTEGER REFERENCES runs(id) ON DELETE CASCADE,
  step          INTEGER,                     -- in-training eval: the step; eval run: NULL
  kind          TEXT NOT NULL CHECK (kind IN ('train-eval','eval')),
  model_path    TEXT,
  adapter_path  TEXT,                        -- NULL = base model ("before")
  split         TEXT,
  metric_mode   TEXT,                        -- sacrebleu | jieba
  loss          REAL,
  metrics_json  TEXT,                        -- {bleu4, rouge1, ...}
  examples      INTEGER,
  created_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);
CREATE INDEX evals_run ON evals(run_id, kind, step);

CREATE TABLE eval_predictions (
  eval_id     INTEGER NOT NULL REFERENCES evals(id) ON DELETE CASCADE,
  idx         INTEGER NOT NULL,
  prompt      TEXT NOT NULL,
  prediction  TEXT NOT NULL,
  reference   TEXT,
  scores_json TEXT,
  PRIMARY KEY (eval_id, idx)
) WITHOUT ROWID;

CREATE TABLE exports (
  id              INTEGER PRIMARY KEY,
  run_id          INTEGER REFERENCES runs(id) ON DELETE SET NULL,
  adapter_path    TEXT NOT NULL,
  model_path      TEXT NOT NULL,
  kind            TEXT NOT NULL CHECK (kind IN ('adapter','merged','gguf')),
  gguf_type       TEXT,
  out_path        TEXT NOT NULL,
  bytes           INTEGER,
  self_check_json TEXT,
  created_at      TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
);

CREATE TABLE run_logs (
  run_id   INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
  seq      INTEGER NOT NULL,
  ts       REAL NOT NULL,
  level    TEXT NOT NULL,
  message  TEXT NOT NULL,
  PRIMARY KEY (run_id, seq)
) WITHOUT ROWID;

CREATE TABLE settings (
  key    TEXT PRIMARY KEY,
  value  TEXT NOT NULL
);
`,
};
