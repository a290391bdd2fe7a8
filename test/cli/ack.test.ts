/** `bedrock-watch ack`: finding the alert by fingerprint or rule/labels, and the write against dynalite. */
import { ackFromCli, ackResultText, AckCliError, findAlert } from '../../shared/cli/ack';
import { fingerprint } from '../../shared/engine/fingerprint';
import { initialState } from '../../shared/engine/machine';
import type { AlertState } from '../../shared/core/alert';
import { parseRules } from '../../shared/rules/load';
import { DynamoStateStore } from '../../shared/state/dynamo-store';
import { useDynamo } from '../support/dynamo';
import { freshTable } from '../support/evaluate-harness';

const NOW = Date.parse('2026-10-05T16:00:00.000Z');
const NOVA = 'amazon.nova-lite-v1:0';
const LLAMA = 'meta.llama3-1-70b-instruct-v1:0';
const rules = parseRules(`
rules:
  - { name: bedrock-throttles, kind: ratio, numerator: InvocationThrottles, denominator: Invocations, next_check: x, tiers: { critical: { above: 5% } } }
  - { name: bedrock-server-errors, kind: ratio, numerator: InvocationServerErrors, denominator: Invocations, next_check: x, tiers: { critical: { above: 5% } } }
`).rules;

function alert(rule: string, model: string, over: Partial<AlertState> = {}): AlertState {
  const labels = { ModelId: model };
  const r = rules.find((x) => x.name === rule)!;
  return { ...initialState(fingerprint(rule, labels), r, 'other', labels), status: 'firing', tier: 'critical', maxTier: 'critical', startsAt: NOW - 600_000, ...over };
}

const ALERTS = [alert('bedrock-throttles', NOVA), alert('bedrock-throttles', LLAMA), alert('bedrock-server-errors', NOVA, { status: 'inactive', tier: null })];

describe('finding the alert', () => {
  it('by fingerprint, by rule and labels, by rule alone when one alert of it is firing', () => {
    expect(findAlert(ALERTS[1].fingerprint, ALERTS)).toBe(ALERTS[1]);
    expect(findAlert(`bedrock-throttles/ModelId=${NOVA}`, ALERTS)).toBe(ALERTS[0]);
    expect(findAlert('bedrock-server-errors', ALERTS)).toBe(ALERTS[2]);
  });

  describe('bad input: names that do not pick one alert', () => {
    it('several match: lists them with fingerprints', () => {
      expect(() => findAlert('bedrock-throttles', ALERTS)).toThrow(new RegExp(`2 alerts match bedrock-throttles; name one by fingerprint or with more labels:\\n  ${ALERTS[0].fingerprint}  bedrock-throttles/ModelId=${NOVA.replace(/\./g, '\\.')}  \\(firing, critical\\)`));
    });
    it('none matches: says what is firing', () => {
      expect(() => findAlert('bedrock-latency', ALERTS)).toThrow(/^no alert matches bedrock-latency; firing now:\n {2}[0-9a-f]{24} {2}bedrock-throttles/);
      expect(() => findAlert('f'.repeat(24), ALERTS)).toThrow(`no alert with fingerprint ${'f'.repeat(24)}`);
      // A misspelt rule is "no such rule" with a did-you-mean, not "nothing is firing".
      expect(() => findAlert(`bedrock-throtles/ModelId=${NOVA}`, ALERTS)).toThrow(/^no such rule "bedrock-throtles": did you mean "bedrock-throttles"\?$/);
      expect(() => findAlert('bedrock-nope', ALERTS, ['bedrock-throttles', 'bedrock-latency'])).toThrow(/^no such rule "bedrock-nope"/);
    });
    it('a label without = is explained with an example', () => {
      expect(() => findAlert('bedrock-throttles/ModelId', ALERTS)).toThrow(AckCliError);
      expect(() => findAlert('bedrock-throttles/ModelId', ALERTS)).toThrow('"ModelId" is not LABEL=VALUE (e.g. bedrock-throttles/ModelId=amazon.nova-lite-v1:0)');
    });
  });
});

describe('ack against the table (dynalite)', () => {
  const db = useDynamo();

  it('acknowledges once; a second ack reports the first; an inactive alert is refused', async () => {
    const table = await freshTable(db().client);
    await new DynamoStateStore(table).saveAlerts(structuredClone(ALERTS));
    const run = (target: string, by: string, now: number) => ackFromCli({ target, table: table.name, by, now, dynamo: db().client });

    const first = await run(`bedrock-throttles/ModelId=${NOVA}`, 'ana', NOW);
    expect(first.outcome).toMatchObject({ status: 'acked', ack: { ackedBy: 'ana', ackedAt: NOW, via: 'cli', episode: NOW - 600_000 } });
    expect(ackResultText(first.alert, first.outcome)).toEqual({ ok: true, text: `Acknowledged bedrock-throttles ${NOVA} (${ALERTS[0].fingerprint}) as ana at 2026-10-05T16:00:00.000Z: escalation and reminders stop for this episode.` });

    const second = await run(ALERTS[0].fingerprint, 'bo', NOW + 60_000);
    expect(second.outcome).toMatchObject({ status: 'already', ack: { ackedBy: 'ana' } });
    expect(ackResultText(second.alert, second.outcome).text).toBe(`Already acknowledged: bedrock-throttles ${NOVA} by ana via cli at 2026-10-05T16:00:00.000Z.`);

    const inactive = await run('bedrock-server-errors', 'ana', NOW);
    expect(ackResultText(inactive.alert, inactive.outcome)).toEqual({ ok: false, text: `bedrock-server-errors ${NOVA} (${ALERTS[2].fingerprint}) is not firing: nothing to acknowledge.` });
  });

  it('a tick writing the alert afterwards keeps the acknowledgement', async () => {
    const table = await freshTable(db().client);
    const store = new DynamoStateStore(table);
    const states = structuredClone(ALERTS);
    await store.saveAlerts(states);
    await ackFromCli({ target: ALERTS[1].fingerprint, table: table.name, by: 'ana', now: NOW, dynamo: db().client });
    // The tick loaded the alert before the ack and now writes its new state (version-checked): the ack stays.
    await store.saveAlerts([{ ...states[1], text: 'still 9%', ack: null }]);
    const loaded = (await store.load()).alerts[ALERTS[1].fingerprint];
    expect(loaded).toMatchObject({ text: 'still 9%', ack: { ackedBy: 'ana', via: 'cli' } });
  });

  it('bad input: no table named says where to find it', async () => {
    delete process.env.TABLE_NAME;
    await expect(ackFromCli({ target: 'x', dynamo: db().client })).rejects.toThrow("name the stack's DynamoDB table with --table (it is in the stack outputs: npx sls info --verbose)");
  });
});
