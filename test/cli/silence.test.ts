/**
 * `bedrock-watch silence` as a user runs it (the real CLI in its own process) against dynalite
 * through the real AWS SDK, and the evaluate tick's one Query reading what it stored.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { main } from '../../shared/cli/main';
import { fingerprint } from '../../shared/engine/fingerprint';
import { initialState } from '../../shared/engine/machine';
import { parseRules } from '../../shared/rules/load';
import { route } from '../../shared/route/route';
import { DynamoSilenceStore } from '../../shared/state/silences';
import { silencedBy } from '../../shared/route/silences';
import { queryAll } from '../../shared/dynamo/table';
import { useDynamo } from '../support/dynamo';

const BIN = join(__dirname, '..', '..', 'bin', 'bedrock-watch.js');
const LLAMA = 'meta.llama3-1-70b-instruct-v1:0';
const NOVA = 'amazon.nova-lite-v1:0';

describe('bedrock-watch silence against DynamoDB (dynalite)', () => {
  const db = useDynamo();

  const awsEnv = () => ({
    AWS_ENDPOINT_URL_DYNAMODB: db().endpoint,
    AWS_REGION: 'local',
    AWS_ACCESS_KEY_ID: 'local',
    AWS_SECRET_ACCESS_KEY: 'local',
    TABLE_NAME: db().table.name,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  });

  /** The CLI's main() in this process (the real SDK client, configured from the environment as for a user). */
  const cli = async (args: string[], env: Record<string, string> = {}) => {
    const saved = { ...process.env };
    Object.assign(process.env, awsEnv(), env);
    let stdout = '';
    let stderr = '';
    const o = jest.spyOn(process.stdout, 'write').mockImplementation((c) => ((stdout += String(c)), true));
    const e = jest.spyOn(process.stderr, 'write').mockImplementation((c) => ((stderr += String(c)), true));
    try {
      const code = await main(['silence', ...args]);
      return { code, stdout, stderr };
    } finally {
      o.mockRestore();
      e.mockRestore();
      process.env = saved;
    }
  };

  /** The real binary in its own process, as a user runs it (slow: used once). */
  const binary = (args: string[], env: Record<string, string> = {}) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, [BIN, 'silence', ...args], { env: { ...process.env, ...awsEnv(), ...env }, encoding: 'utf8' }, (error, stdout, stderr) =>
        resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      );
    });

  it('adds a silence the tick reads and applies, lists it, and expires it', async () => {
    const before = Date.now();
    const added = await cli(['add', '--match', 'ModelId=~"meta.*"', '--for', '2h', '--comment', 'moving to llama 3.2', '--author', 'ana']);
    expect(added.stderr).toBe('');
    expect(added.code).toBe(0);
    const id = /^Silence (\w+) added: ModelId=~"meta\.\*" from \S+ until \S+ \(ana: moving to llama 3\.2\)$/m.exec(added.stdout)?.[1];
    expect(id).toBeDefined();

    // Stored as one SILENCE# item with its ttl.
    const [item] = await queryAll(db().table, { KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': 'SILENCE' } });
    expect(item).toMatchObject({ sk: `SILENCE#${id}`, id, matchers: ['ModelId=~"meta.*"'], author: 'ana', comment: 'moving to llama 3.2' });
    const s = item as { startsAt: number; endsAt: number; ttl: number };
    expect(s.endsAt - s.startsAt).toBe(2 * 3_600_000);
    expect(s.startsAt).toBeGreaterThanOrEqual(before);
    expect(s.ttl).toBe(Math.floor(s.endsAt / 1000) + 7 * 86_400);

    // The evaluate tick's read, and the router applying it: llama held back, nova sent.
    const store = new DynamoSilenceStore(db().table);
    const now = s.startsAt + 60_000;
    const silences = await store.current(now);
    const config = parseRules(`
receivers: [{ name: slack, type: slack, webhook_url: { env: X } }]
routes: { critical: [slack] }
rules:
  - { name: throttles, kind: ratio, numerator: InvocationThrottles, denominator: Invocations, next_check: quota, tiers: { critical: { above: 10% } } }
`);
    const states = Object.fromEntries(
      [LLAMA, NOVA].map((m) => {
        const st = { ...initialState(fingerprint('throttles', { ModelId: m }), config.rules[0], 'throttles', { ModelId: m }), status: 'firing' as const, tier: 'critical' as const, maxTier: 'critical' as const, startsAt: now };
        return [st.fingerprint, st];
      }),
    );
    const r = route({ config, states, groups: {}, silences, now });
    expect(r.notifications.map((n) => n.alert.labels.ModelId)).toEqual([NOVA]);
    expect(r.muted).toEqual([expect.objectContaining({ kind: 'silenced', reason: expect.stringContaining(`silenced by ${id} (ana: moving to llama 3.2)`) })]);

    const listed = await cli(['list']);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(new RegExp(`^${id}  active   \\S+ → \\S+  ModelId=~"meta\\.\\*"  ana: moving to llama 3\\.2$`, 'm'));

    const expired = await cli(['expire', id!]);
    expect(expired.code).toBe(0);
    expect(expired.stdout).toContain(`Expired silence ${id}`);
    expect(await store.current(Date.now() + 1000)).toEqual([]);
    expect((await cli(['list'])).stdout).toContain('No active or pending silences');
    expect((await cli(['list', '--all'])).stdout).toMatch(new RegExp(`^${id}  expired`, 'm'));
    // Expiring it again is a mistake, said in one line.
    const again = await cli(['expire', id!]);
    expect([again.code, again.stderr.trim()]).toEqual([2, `bedrock-watch silence: no active silence "${id}" (bedrock-watch silence list shows them)`]);
  }, 30_000);

  it.each([
    [['add', '--match', 'ModelId=~"meta.("', '--for', '2h', '--comment', 'x'], /^bedrock-watch silence: --match "ModelId=~"meta\.\("": invalid regular expression/],
    [['add', '--match', 'ModelId="x"', '--for', 'two hours', '--comment', 'x'], /^bedrock-watch silence: --for "two hours" is not a duration/],
    [['add', '--match', 'ModelId="x"', '--for', '2h'], /^bedrock-watch silence: silence add needs --comment/],
    [['add', '--for', '2h', '--comment', 'x'], /^bedrock-watch silence: silence add needs at least one --match/],
    [['mute'], /^bedrock-watch silence: silence has three actions: add, list, expire \(not "mute"\)/],
    // Alertmanager's rule (silence/silence.go): one typo must not silence everything for 90 days.
    [['add', '--match', 'a=""', '--match', 'b=~".*"', '--for', '2h', '--comment', 'x'], /^bedrock-watch silence: --match at least one matcher must not match the empty string: a="", b=~"\.\*" would silence every alert/],
  ])('refuses %j with one line and exit code 2', async (args, says) => {
    const r = await cli(args);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr.trim()).toMatch(says);
  });

  it('warns, as a new user needs: a label no rule produces, a misspelt rule, a plain value that looks like a regex; keeps backslashes', async () => {
    const r = await cli(['add', '--match', 'model=~"meta.*"', '--match', 'rule="bedrock-throtles"', '--match', 'ModelId=meta.*', '--for', '1h', '--comment', 'try', '--rules', 'rules.yml']);
    expect(r.code).toBe(0);
    const warnings = r.stdout.split('\n').filter((l) => l.startsWith('Warning: '));
    expect(warnings).toEqual([
      'Warning: model=~"meta.*" matches nothing: no alert carries the label "model": the labels are "AccountId", "ModelId", "Region", "alertname", "budget", "caller", "rule", "severity", "signal"',
      'Warning: rule="bedrock-throtles": unknown rule "bedrock-throtles": did you mean "bedrock-throttles"?',
      'Warning: ModelId="meta.*": "meta.*" is compared as plain text; for a regex write ModelId=~"meta.*"',
    ]);
    const kept = await cli(['add', '--match', '{ModelId=~"meta\\.llama.*", severity!="critical"}', '--for', '1h', '--comment', 'dots are dots']);
    expect(kept.stdout).not.toContain('Warning');
    expect(kept.stdout).toContain('added: ModelId=~"meta\\\\.llama.*", severity!="critical"');
    const [s] = (await new DynamoSilenceStore(db().table).list()).filter((x) => x.comment === 'dots are dots');
    expect(silencedBy([s], { ModelId: 'meta.llama3', severity: 'warning' }, s.startsAt)).toBe(s);
    expect(silencedBy([s], { ModelId: 'metaXllama3', severity: 'warning' }, s.startsAt)).toBeNull();
  }, 30_000);

  it('says which table is missing in one line, not a stack trace (the real binary)', async () => {
    const r = await binary(['list'], { TABLE_NAME: 'no-such-table' });
    expect(r.code).toBe(1); // a failure, not a usage mistake (2)
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^bedrock-watch silence: DynamoDB table "no-such-table" not found in this account and region: check --table/);
  }, 30_000);
});
