/**
 * The example ids of the ack allowlists, in one place: the ones the shipped rules.yml carries (to be
 * replaced) and the ones README's `ack:` snippet shows. A deployment that still lists one accepts no
 * real press or webhook event (its own workspace, app or service is not in the list: 403 / ignored),
 * so `bedrock-watch validate` warns about each, with its file, line and field. The tests hold
 * rules.yml and the README to this list (test/rules/ack-examples.test.ts).
 */
import { formatPath } from './errors';

export type AckListField = 'slack_teams' | 'slack_apps' | 'slack_channels' | 'slack_users' | 'pagerduty_services';

/** Per allowlist: the example ids, the shipped rules.yml's first, then README's. */
export const ACK_EXAMPLE_IDS: Readonly<Record<AckListField, readonly string[]>> = {
  slack_teams: ['T0EXAMPLE', 'T0123ABCD'],
  slack_apps: ['A0EXAMPLE', 'A0123ABCD'],
  slack_channels: ['C0EXAMPLE', 'C0123ABCD'],
  slack_users: ['U0EXAMPLE', 'U0123ABCD'],
  pagerduty_services: ['PEXAMPL', 'P0123AB'],
};

/** What each list's ids are, for the warning. */
const WHAT: Record<AckListField, string> = {
  slack_teams: "your Slack workspace's team id (T…, in the workspace URL or About this workspace)",
  slack_apps: "your Slack app's id (A…, on the app's Basic Information page)",
  slack_channels: 'the channel ids (C…) presses may come from',
  slack_users: 'the user ids (U…) who may acknowledge',
  pagerduty_services: 'the ids (P…, in the service URL) of the PagerDuty services your routing keys page',
};

export interface AckExampleWarning {
  path: (string | number)[];
  id: string;
  message: string;
}

/** Example ids still in the `ack:` allowlists, one warning each (path: ack.<field>[i]). */
export function ackExampleWarnings(ack: Partial<Record<AckListField, readonly string[] | undefined>> | undefined): AckExampleWarning[] {
  const out: AckExampleWarning[] = [];
  for (const field of Object.keys(ACK_EXAMPLE_IDS) as AckListField[]) {
    (ack?.[field] ?? []).forEach((id, i) => {
      if (!ACK_EXAMPLE_IDS[field].includes(id)) return;
      const path = ['ack', field, i];
      out.push({
        path,
        id,
        message: `${formatPath(path)} "${id}" is an example id: replace it with ${WHAT[field]}, or no acknowledgement is accepted from it (README "Escalation and acknowledgement")`,
      });
    });
  }
  return out;
}
