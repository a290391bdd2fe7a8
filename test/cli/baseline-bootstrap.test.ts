/** `bedrock-watch baseline bootstrap`: 14 days of CloudWatch history into the stack's table, on demand. */
import { CloudWatchClient, GetMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import { join } from 'node:path';
import { bootstrapBaselines } from '../../shared/cli/baseline';
import { baselinesOf } from '../../shared/run/baselines-provider';
import { DynamoBaselineStore } from '../../shared/state/baselines';
import { createTable, docClient } from '../../shared/dynamo/table';
import { hourlyCloudWatch } from '../support/cloudwatch-hourly';
import { useDynamo } from '../support/dynamo';

const cw = mockClient(CloudWatchClient);
const NOW = Date.parse('2026-10-19T11:07:00Z');
const MODEL = 'anthropic.claude-3-5-sonnet-20240620-v1:0';
const HOUR = 3_600_000;

describe('baseline bootstrap', () => {
  const db = useDynamo();

  it('learns two weeks of hourly history for every model CloudWatch knows, readable by the evaluate tick', async () => {
    await createTable(db().client, 'bootstrap-table');
    cw.on(GetMetricDataCommand).callsFake(hourlyCloudWatch([MODEL], (_m, key, hour) => (key === 'Invocations:Sum' ? 600 + (new Date(hour).getUTCHours() % 12) * 10 : 1000), 100));
    const report = await bootstrapBaselines({
      rulesFile: join(__dirname, '..', '..', 'rules.yml'),
      table: 'bootstrap-table',
      now: NOW,
      cloudwatch: new CloudWatchClient({ region: 'us-east-1' }),
      dynamo: db().client,
    });
    expect(report).toMatchObject({ asOf: '2026-10-19T11:00:00.000Z', models: 1, bootstrapped: [MODEL] });
    const calls = cw.commandCalls(GetMetricDataCommand).map((c) => c.args[0].input);
    expect(calls[0].StartTime).toEqual(new Date(Date.parse('2026-10-19T11:00:00Z') - 14 * 24 * HOUR));
    const b = baselinesOf(await new DynamoBaselineStore({ doc: docClient(db().client), name: 'bootstrap-table' }).loadExpectations());
    expect(b.expect(MODEL, 'Invocations:Sum', Date.parse('2026-10-19T11:00:00Z'))).toMatchObject({ value: 710, confidence: 'ok' });
  });

  it('says where to find the table when it is not given', async () => {
    delete process.env.TABLE_NAME;
    await expect(bootstrapBaselines({ rulesFile: join(__dirname, '..', '..', 'rules.yml'), now: NOW })).rejects.toThrow(/--table .*sls info/);
  });
});
