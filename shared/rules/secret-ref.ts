/**
 * Where a secret lives, as written in rules.yml: `{ ssm: /path }` or `{ env: NAME }`, never the secret
 * itself. The messages say which forms are accepted, since "must be an object" helps nobody.
 */
import { z } from 'zod';

/**
 * The SSM path prefix the functions may read: serverless.yml's `ssmPrefix` param, which the IAM
 * policy grants as `parameter${ssmPrefix}/*` (test/rules/ssm-prefix.test.ts keeps the two equal).
 * A stage deployed with another prefix sets SSM_PREFIX for the validation.
 */
export const SSM_PREFIX = '/bedrock-watch';

const FORMS = 'write { ssm: /parameter/path } (an SSM SecureString) or { env: VARIABLE_NAME }';

/** The problem with a secret reference, or null. `field` names it (routing_key needs a word of its own). */
export function secretRefProblem(v: unknown, field?: string): string | null {
  if (typeof v === 'string' || typeof v === 'number') {
    const pd = field === 'routing_key' && typeof v === 'string' && v.length !== 32 ? ` (and a PagerDuty routing key is 32 characters, this is ${v.length})` : '';
    return `must say where the secret is kept, not hold it: ${FORMS}${pd}`;
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return `must be a secret reference: ${FORMS}`;
  const keys = Object.keys(v);
  const o = v as Record<string, unknown>;
  if (keys.includes('ssm') && keys.includes('env')) return 'give either ssm or env, not both';
  if (keys.includes('ssm')) {
    if (o.ssm === null || o.ssm === undefined || o.ssm === '') return `ssm needs a parameter path, like { ssm: ${SSM_PREFIX}/slack-webhook-url }`;
    if (typeof o.ssm !== 'string') return `ssm must be a parameter path (text), like { ssm: ${SSM_PREFIX}/slack-webhook-url }`;
    if (!o.ssm.startsWith('/')) return `ssm parameter path must start with "/", like ${SSM_PREFIX}/${o.ssm}`;
  } else if (keys.includes('env')) {
    if (typeof o.env !== 'string' || o.env === '') return 'env needs an environment variable name, like { env: SLACK_WEBHOOK_URL }';
  } else return `must be a secret reference: ${FORMS}`;
  const extra = keys.filter((k) => k !== 'ssm' && k !== 'env');
  if (extra.length) return `unknown field${extra.length > 1 ? 's' : ''} ${extra.map((k) => `"${k}"`).join(', ')}: ${FORMS}`;
  return null;
}

/** A secret reference field; its one error message comes from secretRefProblem. */
export const secretRef = (field?: string) =>
  z
    .union(
      [
        // A union with one near match reports that match's own issue: these say the same as secretRefProblem.
        z.strictObject({ ssm: z.string().startsWith('/', { error: (iss) => secretRefProblem({ ssm: iss.input }) ?? undefined }) }),
        z.strictObject({ env: z.string().min(1, { error: () => secretRefProblem({ env: '' }) ?? undefined }) }),
      ],
      {
        error: (iss) => secretRefProblem(iss.input, field) ?? undefined,
      },
    )
    .meta({
      description: 'Where a secret lives: an SSM Parameter Store (SecureString) name, or an environment variable. Never the secret itself.',
    });

/** An SSM parameter the functions' IAM policy does not let them read: it would fail at delivery time only. */
export function ssmOutsidePrefix(name: string, prefix = SSM_PREFIX): string | null {
  const base = prefix.replace(/\/+$/, '');
  return name.startsWith(`${base}/`)
    ? null
    : `SSM parameter ${name} is outside ${base}/, the only path the functions may read (serverless.yml param ssmPrefix grants ssm:GetParameter on ${base}/*): move it under ${base}/`;
}

export { pagerDutyKeyProblem } from './routing-key';
