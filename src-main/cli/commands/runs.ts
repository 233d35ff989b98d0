/**
 * `tuneloom runs list | show ID | compare ID ID... | resume ID`: the experiment store from the command
 * line, over the same queries and supervisor the app uses. Every command first marks runs whose process
 * died as interrupted, so what it shows is true.
 */
import type { RunDetail, RunStatus, RunSummary } from '../../../src-shared/dto/runs';
import { RUN_STATUSES } from '../../../src-shared/dto/runs';
import { UserError } from '../../errors';
import { runDiskBytes } from '../../runs/disk';
import { superviseInForeground } from '../../runs/foreground';
import { recoverInterruptedRuns } from '../../runs/recovery';
import { RunSupervisor } from '../../runs/supervisor';
import { supervisorOptionsFrom } from '../../runs/supervisor-settings';
import { openStore, type Db } from '../../store/db';
import { resolveStorePath } from '../../store/paths';
import { metricsSummary } from '../../store/queries/metrics';
import { listCheckpoints } from '../../store/queries/checkpoints';
import { listEvals } from '../../store/queries/evals';
import { getRun, listRuns } from '../../store/queries/runs';
import { finalSamples } from '../../store/queries/samples';
import { flag, str, writeJson, type CliCommand, type CliContext } from '../command';
import { eventJson } from './train';

function openRecovered(ctx: CliContext): Db {
  const db = openStore(resolveStorePath(str(ctx, 'db')));
  recoverInterruptedRuns(db);
  return db;
}

function runId(raw: string | undefined, usage: string): number {
  const id = Number(raw);
  if (raw === undefined || !Number.isInteger(id) || id < 1) {
    throw new UserError(raw === undefined ? 'a run id is missing' : `"${raw}" is not a run id`, {
      hint: `usage: tuneloom ${usage}; ids are listed by \`tuneloom runs list\``,
    });
  }
  return id;
}

function mustGet(db: Db, id: number): RunDetail {
  const run = getRun(db, id);
  if (!run) throw new UserError(`no run with id ${id} in this store`, { hint: 'list runs with `tuneloom runs list` (or pass the right --db)' });
  return run;
}

const fmt = (x: number | null | undefined, digits = 4): string => (x === null || x === undefined ? '-' : x.toFixed(digits));

function row(r: RunSummary): string {
  const steps = `${r.lastStep}${r.totalSteps ? `/${r.totalSteps}` : ''}`;
  return `${String(r.id).padStart(4)}  ${r.status.padEnd(11)}  ${(r.objective === 'grpo' ? 'grpo' : r.method).padEnd(7)}  ${steps.padStart(11)}  ${fmt(r.lastLoss).padStart(8)}  ${fmt(r.bestEvalLoss).padStart(8)}  ${r.name}`;
}

const listCommand: CliCommand = {
  name: 'runs list',
  summary: 'List runs in the store.',
  help: `Usage: tuneloom runs list [--status STATUS] [--db FILE] [--json]

List the runs in the store, newest first: id, status, method (lora, ptuning, or grpo for a GRPO run),
steps, last loss, best eval loss, name.
  --status S   only runs in state S (${RUN_STATUSES.join(', ')})
  --json       {"runs":[{id, name, status, method, objective (sft|grpo), modelPath, datasetId, datasetPath,
               lastStep, totalSteps, bestEvalLoss, lastLoss, createdAt, finishedAt, preset}]}
`,
  options: { status: { type: 'string' } },
  async run(ctx) {
    const status = str(ctx, 'status');
    if (status !== undefined && !RUN_STATUSES.includes(status as RunStatus)) {
      throw new UserError(`--status must be one of ${RUN_STATUSES.join(', ')}, got "${status}"`);
    }
    const db = openRecovered(ctx);
    try {
      const runs = listRuns(db, status ? { status: status as RunStatus } : {});
      if (flag(ctx, 'json')) return writeJson(ctx, { runs });
      if (!runs.length) return void ctx.stdout.write('No runs yet: start one with `tuneloom train`.\n');
      ctx.stdout.write(`  id  status       method         steps  lastloss  besteval  name\n`);
      for (const r of runs) ctx.stdout.write(row(r) + '\n');
    } finally {
      db.close();
    }
  },
};

const showCommand: CliCommand = {
  name: 'runs show',
  summary: 'Show one run.',
  help: `Usage: tuneloom runs show ID [--db FILE] [--json]

Everything recorded about a run: how to reproduce it (model path and config hash, dataset path and
sha256, every hyper-parameter, seed, backend, app version, OS, GPU), its metrics summary, checkpoints,
evaluations, the final sample outputs and the disk space its --out folder uses.
  --json   {"run":{...RunDetail}, "metrics":{steps, firstStep, lastStep, firstLoss, lastLoss, minLoss,
           minLossStep, lastLr, lastEpoch, meanTokensPerS, tokensSeen}, "samples":[{step, promptIdx, prompt,
           output}], "checkpoints":[{step, path, bytes, evalLoss, kept, createdAt}], "evals":[...],
           "diskBytes":N}
`,
  options: {},
  allowPositionals: true,
  async run(ctx) {
    const id = runId(ctx.positionals[0], 'runs show ID');
    const db = openRecovered(ctx);
    try {
      const run = mustGet(db, id);
      const shown = {
        run,
        metrics: metricsSummary(db, id),
        samples: finalSamples(db, id),
        checkpoints: listCheckpoints(db, id),
        evals: listEvals(db, id),
        diskBytes: runDiskBytes(db, id),
      };
      if (flag(ctx, 'json')) return writeJson(ctx, shown);
      const m = shown.metrics;
      const lines = [
        `run ${run.id} "${run.name}": ${run.status}${run.error ? ` (${run.error.message})` : ''}`,
        `  model     ${run.modelPath} (config sha256 ${run.modelConfigHash?.slice(0, 12) ?? '?'})`,
        `  data      ${run.datasetPath ?? '-'} (sha256 ${run.datasetSha256?.slice(0, 12) ?? '?'})`,
        `  method    ${run.method}, seed ${run.seed}, backend ${run.backend ?? '?'}, app ${run.appVersion}, ${run.os ?? ''}`,
        `  out       ${run.outDir}  (${shown.diskBytes} bytes)  adapter: ${run.adapterPath ?? '-'}`,
        `  steps     ${run.lastStep}${run.totalSteps ? `/${run.totalSteps}` : ''}; loss ${fmt(m.firstLoss)} → ${fmt(m.lastLoss)} (min ${fmt(m.minLoss)} at step ${m.minLossStep ?? '-'}); best eval ${fmt(run.bestEvalLoss)}`,
        `  config    ${JSON.stringify(run.config)}`,
        `  checkpoints ${
          shown.checkpoints
            .filter((c) => c.kept)
            .map((c) => c.step)
            .join(', ') || '-'
        }`,
        ...shown.samples.map((s) => `  sample @${s.step} [${s.promptIdx}] ${JSON.stringify(s.prompt)} → ${JSON.stringify(s.output)}`),
      ];
      ctx.stdout.write(lines.join('\n') + '\n');
    } finally {
      db.close();
    }
  },
};

/** Flattens a run into the fields that define it, for a side-by-side diff. */
function definingFields(run: RunDetail): Record<string, unknown> {
  const fields: Record<string, unknown> = {
    method: run.method,
    modelPath: run.modelPath,
    modelConfigHash: run.modelConfigHash,
    datasetPath: run.datasetPath,
    datasetSha256: run.datasetSha256,
    seed: run.seed,
    backend: run.backend,
    appVersion: run.appVersion,
  };
  for (const [k, v] of Object.entries(run.config)) fields[`config.${k}`] = v;
  return fields;
}

const compareCommand: CliCommand = {
  name: 'runs compare',
  summary: 'Compare runs side by side.',
  help: `Usage: tuneloom runs compare ID ID... [--db FILE] [--json]

The settings that differ between the runs (everything else was the same) and their final metrics.
  --json   {"runs":[id, ...], "differences":{"config.lr":[v1, v2, ...], ...},
           "final":[{id, name, status, lastStep, lastLoss, minLoss, bestEvalLoss, meanTokensPerS}]}
`,
  options: {},
  allowPositionals: true,
  async run(ctx) {
    if (ctx.positionals.length < 2) throw new UserError('runs compare needs at least two run ids', { hint: 'usage: tuneloom runs compare ID ID...' });
    const ids = ctx.positionals.map((p) => runId(p, 'runs compare ID ID...'));
    const db = openRecovered(ctx);
    try {
      const runs = ids.map((id) => mustGet(db, id));
      const fields = runs.map(definingFields);
      const keys = [...new Set(fields.flatMap((f) => Object.keys(f)))].sort();
      const differences: Record<string, unknown[]> = {};
      for (const k of keys) {
        const values = fields.map((f) => (k in f ? f[k] : null));
        if (new Set(values.map((v) => JSON.stringify(v))).size > 1) differences[k] = values;
      }
      const final = runs.map((r) => {
        const m = metricsSummary(db, r.id);
        return {
          id: r.id,
          name: r.name,
          status: r.status,
          lastStep: r.lastStep,
          lastLoss: m.lastLoss,
          minLoss: m.minLoss,
          bestEvalLoss: r.bestEvalLoss,
          meanTokensPerS: m.meanTokensPerS,
        };
      });
      if (flag(ctx, 'json')) return writeJson(ctx, { runs: ids, differences, final });
      const w = Math.max(12, ...Object.keys(differences).map((k) => k.length));
      const cell = (v: unknown): string => (typeof v === 'number' ? String(v) : (JSON.stringify(v) ?? '-')).slice(0, 24).padEnd(24);
      const out = [`${''.padEnd(w)}  ${ids.map((id) => cell(`run ${id}`)).join('  ')}`];
      for (const [k, vs] of Object.entries(differences)) out.push(`${k.padEnd(w)}  ${vs.map(cell).join('  ')}`);
      if (!Object.keys(differences).length) out.push('(same settings)');
      for (const key of ['status', 'lastStep', 'lastLoss', 'minLoss', 'bestEvalLoss'] as const) {
        out.push(`${key.padEnd(w)}  ${final.map((f) => cell(typeof f[key] === 'number' ? Number((f[key] as number).toFixed(4)) : f[key])).join('  ')}`);
      }
      ctx.stdout.write(out.join('\n') + '\n');
    } finally {
      db.close();
    }
  },
};

const resumeCommand: CliCommand = {
  name: 'runs resume',
  summary: 'Resume an interrupted run.',
  help: `Usage: tuneloom runs resume ID [--db FILE] [--json]

Continue an interrupted, stopped or failed run from its last checkpoint, into the same --out folder
under the same run id, with the settings it was started with. Refused (one line, exit 1) when the run
already completed, is still running, or its model folder or data file moved or changed.
  --json   JSON lines as \`tuneloom train --json\`: {"type":"start","run_id":N,"resumed_from":DIR|null,...},
           step / eval / sample / checkpoint / log lines, then {"type":"done","run_id":N,"reason":...,"adapter":DIR}
Ctrl-C stops at the next step boundary with a checkpoint; a second Ctrl-C kills the worker.
`,
  options: {},
  allowPositionals: true,
  async run(ctx) {
    const id = runId(ctx.positionals[0], 'runs resume ID');
    const db = openRecovered(ctx);
    const sup = new RunSupervisor(db, supervisorOptionsFrom(db, { whenBusy: 'refuse' }));
    try {
      const plan = sup.resume(id);
      // A damaged newer checkpoint was passed over: said on stderr, with or without --json.
      for (const note of plan.notes) ctx.stderr.write(`warning: ${note}\n`);
      const json = flag(ctx, 'json');
      await superviseInForeground(sup, db, id, {
        notice: (line) => ctx.stderr.write(line + '\n'),
        emit: (e) => {
          if (json) {
            const line = eventJson(e);
            if (e.type === 'start') Object.assign(line, { run_id: id, resumed_from: plan.resumeFrom });
            if (e.type === 'done') line.run_id = id;
            return writeJson(ctx, line);
          }
          if (e.type === 'start')
            ctx.stdout.write(`run ${id}: resuming at step ${e.fromStep} of ${e.totalSteps}${plan.resumeFrom ? ` from ${plan.resumeFrom}` : ''}\n`);
          else if (e.type === 'step') ctx.stdout.write(`step ${e.step}  loss ${e.loss.toFixed(4)}  lr ${e.lr.toExponential(2)}\n`);
          else if (e.type === 'checkpoint') ctx.stdout.write(`checkpoint ${e.path}\n`);
          else if (e.type === 'eval') ctx.stdout.write(`eval loss at step ${e.step}: ${e.loss.toFixed(4)}\n`);
          else if (e.type === 'log') ctx.stderr.write(`${e.level}: ${e.message}\n`);
          else if (e.type === 'done') ctx.stdout.write(`run ${id} ${e.reason} after ${e.step} step(s); adapter: ${e.adapter}\n`);
        },
      });
    } finally {
      await sup.close();
      db.close();
    }
  },
};

export const runsCommands = { listCommand, showCommand, compareCommand, resumeCommand };
