/**
 * The shape every `tuneloom` sub-command has. Commands are thin: they parse flags, call a service
 * (the same one the IPC handlers call) and print. Names and JSON shapes follow ../shared/docs/CLI.md.
 */
import type { Writable } from 'node:stream';

export type OptionSpec = { type: 'string' | 'boolean'; short?: string; multiple?: boolean; default?: string | boolean };

export interface CliIo {
  stdout: Writable;
  stderr: Writable;
}

export interface CliContext extends CliIo {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

export interface CliCommand {
  /** Words after `tuneloom`, e.g. `tokenize`, `inspect logits`, `runs list`. */
  name: string;
  summary: string;
  /** The full `--help` text (usage line and options). */
  help: string;
  options: Record<string, OptionSpec>;
  allowPositionals?: boolean;
  /** Resolves to the exit code (0 by default). Throw a UserError for exit 1. */
  run(ctx: CliContext): Promise<number | void>;
}

/** Reads a string flag; undefined when absent. */
export function str(ctx: CliContext, key: string): string | undefined {
  const v = ctx.values[key];
  return typeof v === 'string' ? v : undefined;
}

export function flag(ctx: CliContext, key: string): boolean {
  return ctx.values[key] === true;
}

export function writeJson(io: CliIo, value: unknown): void {
  io.stdout.write(JSON.stringify(value) + '\n');
}
