/** FORMAT.md `reached`: every alert in `backtest --json` says when it first reached each tier. */
import { backtestJson } from '../../shared/cli/main';
import { collectEpisodes } from '../../shared/local/episodes';
import type { AlertState, Transition } from '../../shared/core/alert';

const MODEL = 'amazon.nova-lite-v1:0';
const T0 = Date.parse('2026-10-05T15:40:00Z');
const state = (tier: 'warning' | 'critical', maxTier = tier): AlertState =>
  ({ fingerprint: 'f1', rule: 'bedrock-server-errors', signal: 'server_errors', labels: { ModelId: MODEL }, tier, maxTier, suppressedBy: null, text: '', headline: '' }) as unknown as AlertState;
const tr = (kind: Transition['kind'], minutes: number, s: AlertState): Transition => ({ kind, at: T0 + minutes * 60_000 + 30_000, minute: T0 + minutes * 60_000, fromTier: null, state: s });

describe('backtest --json reached', () => {
  it('an episode that warns, then pages, carries both times; severity is the highest', () => {
    const eps = collectEpisodes([tr('firing', 1, state('warning')), tr('escalated', 3, state('critical')), tr('resolved', 20, state('critical'))]);
    const [alert] = backtestJson({ episodes: eps, captured: [] }).alerts;
    expect(alert.severity).toBe('critical');
    expect(alert.startsAt).toBe('2026-10-05T15:41:30Z');
    expect(alert.reached).toEqual({ warning: '2026-10-05T15:41:30Z', critical: '2026-10-05T15:43:30Z' });
  });

  it('an episode built without reached (older callers) reports its severity at its start', () => {
    const [alert] = backtestJson({
      episodes: [{ rule: 'r', signal: 'latency', severity: 'warning', labels: { ModelId: MODEL }, startsAt: '2026-10-05T15:41:00.000Z', endsAt: null, suppressedBy: null, text: '' }],
      captured: [],
    }).alerts;
    expect(alert.reached).toEqual({ warning: '2026-10-05T15:41:00Z' });
  });
});
