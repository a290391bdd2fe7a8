import { createHash } from 'node:crypto';

/** Stable id of an alert: rule name + sorted labels. Short enough for PagerDuty's dedup_key and DynamoDB keys. */
export function fingerprint(rule: string, labels: Record<string, string>): string {
  const canon = [rule, ...Object.keys(labels).sort().map((k) => `${k}=${labels[k]}`)].join('\n');
  return createHash('sha256').update(canon).digest('hex').slice(0, 24);
}
