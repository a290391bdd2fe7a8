/**
 * `bedrock-watch silence add|list|expire`: silences in the stack's DynamoDB table, read by the
 * evaluate tick every minute. A silenced alert keeps its state; if it still fires when the
 * silence ends, it is announced then. Uses the caller's AWS credentials.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { userInfo } from 'node:os';
import { existsSync } from 'node:fs';
import { formatMatcher } from '../rules/matchers';
import { parseDuration } from '../rules/units';
import { loadRulesFile } from '../rules/load';
import { BUILTIN_LABELS } from '../rules/schema';
import type { KnownNames } from '../rules/references';
import { isActive, parseSilenceMatchers, silenceWarnings, type Silence } from '../route/silences';
import { DynamoSilenceStore, newSilenceId } from '../state/silences';
import { docClient } from '../dynamo/table';

/** A mistake on the command line: the CLI prints it as one line and exits 2. */
export class SilenceUsageError extends Error {}

export interface SilenceOptions {
  action: string | undefined;
  id?: string;
  match: string[];
  for?: string;
  start?: string;
  comment?: string;
  author?: string;
  table?: string;
  region?: string;
  all?: boolean;
  /** The rules file whose labels and rule names the matchers are checked against (default rules.yml, when present). */
  rules?: string;
  now?: number;
  dynamo?: DynamoDBClient;
}

const MAX_SILENCE = 90 * 86_400_000;

export async function silenceCommand(o: SilenceOptions, out: (line: string) => void): Promise<number> {
  const name = o.table ?? process.env.TABLE_NAME;
  if (!name) throw new SilenceUsageError("name the stack's DynamoDB table with --table (it is in the stack outputs: npx sls info --verbose) or TABLE_NAME");
  const store = new DynamoSilenceStore({ doc: docClient(o.dynamo ?? new DynamoDBClient({ region: o.region })), name });
  const now = o.now ?? Date.now();
  switch (o.action) {
    case 'add':
      return add(store, o, now, out);
    case 'list':
      return list(store, o, now, out);
    case 'expire': {
      if (!o.id) throw new SilenceUsageError('silence expire needs the silence id (bedrock-watch silence list shows them)');
      if (!(await store.expire(o.id, now))) throw new SilenceUsageError(`no active silence "${o.id}" (bedrock-watch silence list shows them)`);
      out(`Expired silence ${o.id}: alerts it held back that still fire are announced at the next tick.`);
      return 0;
    }
    default:
      throw new SilenceUsageError(`silence has three actions: add, list, expire${o.action ? ` (not "${o.action}")` : ''}`);
  }
}

async function add(store: DynamoSilenceStore, o: SilenceOptions, now: number, out: (line: string) => void): Promise<number> {
  if (!o.match.length) throw new SilenceUsageError('silence add needs at least one --match, like --match \'ModelId=~"meta.*"\'');
  const parsed = parseSilenceMatchers(o.match);
  if (typeof parsed === 'string') throw new SilenceUsageError(`--match ${parsed}`);
  const matchers = parsed.map(formatMatcher);
  if (!o.for) throw new SilenceUsageError('silence add needs --for, like --for 2h');
  const length = parseDuration(o.for);
  if (typeof length === 'string') throw new SilenceUsageError(`--for ${length}`);
  if (length <= 0 || length > MAX_SILENCE) throw new SilenceUsageError('--for must be more than 0 and at most 90d');
  if (!o.comment?.trim()) throw new SilenceUsageError('silence add needs --comment saying why (the next on-call reads it)');
  let start = now;
  if (o.start !== undefined) {
    start = Date.parse(o.start);
    if (!Number.isFinite(start)) throw new SilenceUsageError(`--start must be an ISO time like 2026-10-05T22:00:00Z, not "${o.start}"`);
  }
  const silence: Silence = {
    id: newSilenceId(),
    matchers,
    author: o.author?.trim() || process.env.USER || safeUser(),
    comment: o.comment.trim(),
    startsAt: start,
    endsAt: start + length,
    createdAt: now,
  };
  await store.add(silence);
  const known = knownNames(o.rules);
  if (typeof known === 'string') out(`Note: ${known}`);
  else for (const w of silenceWarnings(parsed, known)) out(`Warning: ${w}`);
  out(`Silence ${silence.id} added: ${matchers.join(', ')} from ${iso(silence.startsAt)} until ${iso(silence.endsAt)} (${silence.author}: ${silence.comment})`);
  return 0;
}

async function list(store: DynamoSilenceStore, o: SilenceOptions, now: number, out: (line: string) => void): Promise<number> {
  const all = await store.list();
  const shown = o.all ? all : all.filter((s) => s.endsAt > now);
  if (!shown.length) {
    out(o.all ? 'No silences.' : 'No active or pending silences (--all shows expired ones too).');
    return 0;
  }
  for (const s of shown) {
    const state = isActive(s, now) ? 'active' : s.startsAt > now ? 'pending' : 'expired';
    out(`${s.id}  ${state.padEnd(7)}  ${iso(s.startsAt)} → ${iso(s.endsAt)}  ${s.matchers.join(', ')}  ${s.author}: ${s.comment}`);
  }
  return 0;
}

/** Rule names and the labels routing sees (what a silence can match), from the rules file; or why they could not be read. */
function knownNames(file: string | undefined): KnownNames | string {
  const path = file ?? 'rules.yml';
  if (!file && !existsSync(path)) return 'no rules.yml here, so the matchers were not checked against the rules (give --rules FILE)';
  try {
    const config = loadRulesFile(path);
    const labels = new Set<string>([...BUILTIN_LABELS, ...config.rules.flatMap((r) => Object.keys(r.labels ?? {}))]);
    return { rules: config.rules.map((r) => r.name), labels: [...labels].sort() };
  } catch (e) {
    return `the matchers were not checked against ${path}: ${(e as Error).message.split('\n')[0]}`;
  }
}

const iso = (t: number) => new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');

function safeUser(): string {
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}
