import { describeTarget, modelIdOf, parseTarget, placeLabels, placeOfTarget, targetKey, targetLabels, targetOfLabels } from '../../shared/core/target';

const ARN = 'arn:aws:bedrock:us-east-1:111111111111:inference-profile/us.anthropic.claude-3-5-haiku-20241022-v1:0';

describe('target keys', () => {
  it.each([
    [{ modelId: 'amazon.nova-lite-v1:0' }, 'amazon.nova-lite-v1:0', { ModelId: 'amazon.nova-lite-v1:0' }],
    [{ modelId: ARN, region: 'us-west-2' }, `us-west-2||${ARN}`, { ModelId: ARN, Region: 'us-west-2' }],
    [{ modelId: 'm', region: 'eu-central-1', account: '222222222222' }, 'eu-central-1|222222222222|m', { ModelId: 'm', Region: 'eu-central-1', AccountId: '222222222222' }],
  ])('%j ⇄ %s, labelled %j', (target, key, labels) => {
    expect(targetKey(target)).toBe(key);
    expect(parseTarget(key)).toEqual(target);
    expect(targetLabels(key)).toEqual(labels);
    expect(targetOfLabels({ ...labels, caller: 'x' })).toBe(key);
    expect(modelIdOf(key)).toBe(target.modelId);
  });

  it('one region of one account keys by the bare ModelId, so stored alerts and baselines keep their keys', () => {
    expect(targetKey({ modelId: 'amazon.nova-lite-v1:0' })).toBe('amazon.nova-lite-v1:0');
    expect(targetOfLabels({ budget: 'monthly' })).toBeNull();
  });

  it('names the place in messages and groups targets by place', () => {
    expect(describeTarget('us-west-2|111111111111|m')).toBe('m (us-west-2, account 111111111111)');
    expect(describeTarget('m')).toBe('m');
    expect(placeOfTarget('us-west-2|111111111111|m')).toBe('us-west-2|111111111111');
    expect(placeLabels('us-west-2|')).toEqual({ Region: 'us-west-2' });
  });
});
