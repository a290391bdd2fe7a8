/**
 * What a CLI command is, shared by main.ts (which parses and dispatches) and the command files
 * under shared/cli/ (each exports one Command, registered with one line in main.ts's table).
 */
export type Values = Record<string, string | boolean | string[] | undefined>;
export type Options = Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }>;

export interface Command {
  summary: string;
  usage: string;
  options: Options;
  maxPositionals: number;
  run(values: Values, positionals: string[]): Promise<number>;
}

/** Bad arguments: main prints one line and the command's usage, exit 2. */
export class UsageError extends Error {}

/** A failure the user can act on (a file exists, an AWS call was refused): main prints one line, exit 1. */
export class CommandError extends Error {}

export const out = (line = ''): void => void process.stdout.write(`${line}\n`);
export const err = (line = ''): void => void process.stderr.write(`${line}\n`);
export const help = { help: { type: 'boolean', short: 'h' } } as const;
/** Long commands show progress on stderr on a terminal, or anywhere with --progress. */
export const progressOption = { progress: { type: 'boolean' } } as const;

export const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
export const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

export function isoOption(v: Values, name: string): number | undefined {
  const s = v[name];
  if (typeof s !== 'string') return undefined;
  const t = Date.parse(s);
  if (!Number.isFinite(t)) throw new UsageError(`--${name} must be an ISO time like 2026-10-05T00:00:00Z, not "${s}"`);
  return t;
}
