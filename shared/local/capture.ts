/**
 * Local notification capture: each receiver renders the payload its real notifier would send
 * (Slack Block Kit, PagerDuty Events v2, SNS Publish input) and keeps it instead of sending.
 */
import type { ReceiverConfig } from '../rules/schema';
import type { Notification } from '../core/notification';
import type { Notifier } from '../notify/types';
import { slackMessage } from '../notify/slack';
import { pagerDutyEvent } from '../notify/pagerduty';
import { snsPublishInput } from '../notify/sns';
import type { NotifierLookup } from '../run/deliver-outbox';
import type { Digest } from '../core/digest';
import { digestSlack, digestText } from '../notify/digest-render';
import { LOCAL_ACCOUNT, LOCAL_REGION } from './lambda';

export interface CapturedDigest {
  receiver: string;
  digest: Digest;
  payload: unknown;
}

export interface Captured {
  receiver: string;
  type: ReceiverConfig['type'];
  notification: Notification;
  payload: unknown;
}

export class CaptureNotifiers implements NotifierLookup {
  readonly sent: Captured[] = [];
  readonly digests: CapturedDigest[] = [];
  private readonly types = new Map<string, ReceiverConfig['type']>();

  constructor(receivers: readonly ReceiverConfig[]) {
    for (const r of receivers) this.types.set(r.name, r.type);
  }

  async get(receiver: string): Promise<Notifier> {
    const type = this.types.get(receiver);
    if (!type) throw new Error(`receiver "${receiver}" is not defined in the rules file`);
    return {
      send: async (n) => {
        const payload =
          type === 'slack' ? slackMessage(n) : type === 'pagerduty' ? pagerDutyEvent(n, 'local-capture') : snsPublishInput(n, `arn:aws:sns:${LOCAL_REGION}:${LOCAL_ACCOUNT}:bedrock-watch-alerts`);
        this.sent.push({ receiver, type, notification: n, payload });
      },
      sendDigest:
        type === 'pagerduty'
          ? undefined
          : async (d) => {
              this.digests.push({ receiver, digest: d, payload: type === 'slack' ? digestSlack(d) : digestText(d) });
            },
    };
  }
}
