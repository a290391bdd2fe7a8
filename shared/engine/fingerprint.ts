import { createHash } from 'node:crypto';

/** Stable id of an alert: rule name + sorted labels. Short enough for PagerDuty's dedup_key and DynamoDB keys. */
export function fingerprint(rule: string, labels: Record<string, string>): string {
  const canon = [rule, ...Object.keys(labels).sort().map((k) => `${k}=${labels[k]}`)].join('\n');
  let fp = known.get(canon);
  if (!fp) {
    fp = createHash('sha256').update(canon).digest('hex').slice(0, 24);
    if (known.size > 100_000) known.clear(); // bounded; above the rules × models × callers of a large account (15 × 1,000 × a few)
    known.set(canon, fp);
  }
  return fp;
}

/** Every tick asks for the same few hundred fingerprints: hash each once per process. */
const known = new Map<string, string>();
