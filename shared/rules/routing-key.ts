// No zod here: the notifiers (in every Lambda bundle) check a resolved routing key with it.
/**
 * What is wrong with a PagerDuty routing (integration) key, or null. Keys kept in SSM or the environment
 * are only seen once resolved: the notifier checks them there, so a wrong value is named as such instead
 * of PagerDuty's 400 "Invalid routing key" on the first page.
 */
export function pagerDutyKeyProblem(key: string): string | null {
  if (key.length !== 32) return `is not a PagerDuty routing key: one is 32 characters, this value has ${key.length}`;
  if (!/^[A-Za-z0-9]+$/.test(key)) return 'is not a PagerDuty routing key: one is 32 letters and digits';
  return null;
}
