/**
 * The secrets (and stack values) a rules file reads at run time: every `{ ssm: /path }` and
 * `{ env: NAME }` reference, with where it is in the file. `validate` lists them, `test-notify` checks
 * the SSM ones exist, and a test keeps the README's setup commands equal to the shipped file's list.
 */
import { formatPath } from './errors';

export interface SecretNeed {
  /** Where the reference is, e.g. `receivers[0].routing_key` or `ack.slack_signing_secret`. */
  path: string;
  /** The receiver it belongs to, when it is a receiver's. */
  receiver?: string;
  ssm?: string;
  env?: string;
}

const isRef = (v: unknown): v is { ssm: string } | { env: string } =>
  !!v && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length === 1 && (typeof (v as { ssm?: unknown }).ssm === 'string' || typeof (v as { env?: unknown }).env === 'string');

/** Every secret reference of a (validated) rules config, in file order. */
export function secretsNeeded(config: object): SecretNeed[] {
  const found: SecretNeed[] = [];
  const walk = (v: unknown, path: (string | number)[], receiver?: string): void => {
    if (isRef(v)) {
      found.push({ path: formatPath(path), ...(receiver ? { receiver } : {}), ...v });
      return;
    }
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, [...path, i], receiver));
    else if (v && typeof v === 'object') {
      const name = path.length === 2 && path[0] === 'receivers' ? (v as { name?: string }).name : receiver;
      for (const [k, x] of Object.entries(v)) walk(x, [...path, k], name);
    }
  };
  walk(config, []);
  return found;
}

/** validate's listing: the SSM parameters to create, then the environment variables read. */
export function secretsLines(needs: readonly SecretNeed[]): string[] {
  const ssm = needs.filter((n) => n.ssm);
  const env = needs.filter((n) => n.env);
  const lines: string[] = [];
  const where = (n: SecretNeed) => `${n.path}${n.receiver ? ` (${n.receiver})` : ''}`;
  if (ssm.length) {
    const width = Math.max(...ssm.map((n) => n.ssm!.length));
    lines.push(`SSM parameters it reads (create each as a SecureString before deploying; test-notify checks them):`);
    for (const n of ssm) lines.push(`  ${n.ssm!.padEnd(width)}  ${where(n)}`);
  }
  if (env.length) {
    lines.push('Environment variables it reads:');
    for (const n of env) lines.push(`  ${n.env}  ${where(n)}${n.env === 'ALERT_TOPIC_ARN' || n.env === 'MANAGEMENT_TOPIC_ARN' ? ' (set by the stack)' : ''}`);
  }
  return lines;
}
