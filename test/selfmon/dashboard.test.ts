/** The dashboard builder on its own (the packaged body is checked in test/deploy/template.test.ts). */
import { dashboardBody, pricedModels } from '../../shared/deploy/dashboard';

const prices = { 'anthropic.claude-3-5-sonnet-20240620-v1:0': { input: 0.003, output: 0.015 }, 'amazon.nova-lite-v1:0': { input: 0.00006, output: 0.00024 } };

describe('dashboard cost widget', () => {
  it('prices an inference profile as its model and leaves out a model with no list price', () => {
    expect(pricedModels(['us.anthropic.claude-3-5-sonnet-20240620-v1:0', 'acme.unknown-v1', 'amazon.nova-lite-v1:0'], prices)).toEqual([
      { modelId: 'us.anthropic.claude-3-5-sonnet-20240620-v1:0', input: 0.003, output: 0.015 },
      { modelId: 'amazon.nova-lite-v1:0', input: 0.00006, output: 0.00024 },
    ]);
  });

  it('charts exactly the listed models, and a note instead of an empty graph when none is priced', () => {
    const base = { region: 'eu-west-1', stage: 'prod', service: 'bedrock-watch', functions: { evaluate: 'bw-prod-evaluate' }, failedQueueName: 'q' };
    const widgets = (priced: ReturnType<typeof pricedModels>) => JSON.parse(dashboardBody({ ...base, priced })).widgets as { type: string; properties: { title?: string; markdown?: string; metrics?: unknown[][] } }[];
    const cost = (priced: ReturnType<typeof pricedModels>) => widgets(priced).find((w) => w.properties.title?.startsWith('Estimated cost'))!.properties.metrics!;
    const rows = cost(pricedModels(['us.anthropic.claude-3-5-sonnet-20240620-v1:0'], prices));
    expect(rows).toEqual([
      ['AWS/Bedrock', 'InputTokenCount', 'ModelId', 'us.anthropic.claude-3-5-sonnet-20240620-v1:0', { stat: 'Sum', id: 'in0', visible: false }],
      ['AWS/Bedrock', 'OutputTokenCount', 'ModelId', 'us.anthropic.claude-3-5-sonnet-20240620-v1:0', { stat: 'Sum', id: 'out0', visible: false }],
      [{ expression: '(FILL(in0, 0) * 0.003 + FILL(out0, 0) * 0.015) / 1000', id: 'cost0', label: 'us.anthropic.claude-3-5-sonnet-20240620-v1:0' }],
      [{ expression: 'SUM([cost0])', id: 'total', label: 'all priced models' }],
    ]);
    // CloudWatch rejects a graph without metrics: a note takes its place.
    expect(widgets([]).find((w) => w.properties.title?.startsWith('Estimated cost'))).toBeUndefined();
    expect(widgets([]).find((w) => w.properties.markdown?.includes('Estimated cost'))?.properties.markdown).toMatch(/dashboardModels/);
  });
});
