/**
 * The events a CLI job speaks to the program that runs it: `tuneloom eval|export|generate --events`
 * write one JSON object per line on stdout (progress, log, generated text, then one result or one
 * error), and the app's eval, export and playground handlers read them through cli-job.ts. One schema on both
 * sides, so the app never parses the human text, which stays free to change.
 *
 * The `result` event carries exactly the document the command prints with `--json`
 * (../shared/docs/CLI.md), so the two outputs cannot drift apart.
 */
import type { Writable } from 'node:stream';

/** What a job is doing: eval generates and scores examples; export writes its files, then self-checks them. */
export const JOB_STAGES = ['eval', 'write', 'check'] as const;
export type JobStage = (typeof JOB_STAGES)[number];

export interface ProgressEvent {
  type: 'progress';
  stage: JobStage;
  /** Units done out of `total` (examples for eval, tensors for export's write, 0/1 for check). */
  done: number;
  total: number;
}

/** A notice for people (the backend chosen, a flag mapped to another): shown or kept, never parsed. */
export interface LogEvent {
  type: 'log';
  message: string;
}

/** Generated text as it is decoded (`generate`): the deltas, in order, make up the result's text. */
export interface TextEvent {
  type: 'text';
  text: string;
}

/** A value as JSON.parse gives it. */
export type JsonValue = null | boolean | number | string | JsonValue[] | JsonObject;
/** A JSON object: what a command's `--json` document is, whatever its fields. */
export interface JsonObject {
  [key: string]: JsonValue;
}

/** The command's `--json` document, as the last line of a successful job. */
export interface ResultEvent {
  type: 'result';
  result: JsonObject;
}

/** The job failed: the one-line message the CLI also prints on stderr, and its exit code. */
export interface ErrorEvent {
  type: 'error';
  message: string;
  /** 1: a problem with the input (the message says what to do); 2: an internal error. */
  exit_code: 1 | 2;
}

export type JobEvent = ProgressEvent | LogEvent | TextEvent | ResultEvent | ErrorEvent;

/** The events that come before the end (a result or an error). */
export type StreamEvent = ProgressEvent | LogEvent | TextEvent;

/** A line that is not a job event: what was wrong with it, in one line. */
export class JobEventError extends Error {
  override readonly name = 'JobEventError';
}

// A parsed line is JSON throughout, so an object in it is a JsonObject.
const isObject = (v: unknown): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;

/** Why `v` is not an event of its declared type, or null when it is one. */
function invalidReason(v: JsonObject): string | null {
  switch (v.type) {
    case 'progress':
      if (!(JOB_STAGES as readonly unknown[]).includes(v.stage)) return `progress "stage" must be one of ${JOB_STAGES.join(', ')}`;
      return isCount(v.done) && isCount(v.total) ? null : 'progress "done" and "total" must be whole numbers from 0';
    case 'log':
      return typeof v.message === 'string' ? null : 'log "message" must be a string';
    case 'text':
      return typeof v.text === 'string' ? null : 'text "text" must be a string';
    case 'result':
      return isObject(v.result) ? null : 'result "result" must be an object';
    case 'error':
      if (typeof v.message !== 'string') return 'error "message" must be a string';
      return v.exit_code === 1 || v.exit_code === 2 ? null : 'error "exit_code" must be 1 or 2';
    default:
      return `unknown event type ${JSON.stringify(v.type)} (expected progress, log, text, result or error)`;
  }
}

/** One line of a job's output as an event; a bad line throws a JobEventError naming the line and the problem. */
export function parseJobEvent(line: string, lineNo: number): JobEvent {
  const shown = line.length > 80 ? `${line.slice(0, 77)}...` : line;
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new JobEventError(`line ${lineNo} is not JSON: ${shown}`);
  }
  if (!isObject(value)) throw new JobEventError(`line ${lineNo} is not a JSON object: ${shown}`);
  const reason = invalidReason(value);
  if (reason) throw new JobEventError(`line ${lineNo}: ${reason}: ${shown}`);
  return value as unknown as JobEvent;
}

/** The CLI side: writes events as JSON lines. */
export class JobEventWriter {
  constructor(private readonly out: Writable) {}

  emit(event: JobEvent): void {
    this.out.write(`${JSON.stringify(event)}\n`);
  }

  progress(stage: JobStage, done: number, total: number): void {
    this.emit({ type: 'progress', stage, done, total });
  }

  /** The command's --json document as the result event: on the line it is JSON, so a JsonObject to the reader. */
  result(doc: object): void {
    this.out.write(`${JSON.stringify({ type: 'result', result: doc })}\n`);
  }

  log(message: string): void {
    this.emit({ type: 'log', message });
  }
}
