/**
 * Inhibition's `equal` labels (shared/route/inhibit.ts): every listed label must agree, and a label
 * missing on both sides, or missing on one and empty on the other, counts as equal (Alertmanager).
 */
import { Inhibit } from '../../shared/rules/route-schema';
import { inhibitedBy } from '../../shared/route/inhibit';

const rule = Inhibit.parse({ source_matchers: ['rule="latency"'], target_matchers: ['rule="ttft"'], equal: ['ModelId', 'Region'] });
const source = (labels: Record<string, string>) => ({ fingerprint: 'src', labels: { rule: 'latency', ...labels } });
const mutes = (src: Record<string, string>, target: Record<string, string>) => inhibitedBy({ fingerprint: 'tgt', labels: { rule: 'ttft', ...target } }, [source(src)], [rule]) !== null;

describe('inhibit equal labels', () => {
  it('mute only when every equal label agrees, not just one of them', () => {
    expect(mutes({ ModelId: 'm1', Region: 'us-east-1' }, { ModelId: 'm1', Region: 'us-east-1' })).toBe(true);
    expect(mutes({ ModelId: 'm1', Region: 'us-east-1' }, { ModelId: 'm1', Region: 'eu-west-1' })).toBe(false);
    expect(mutes({ ModelId: 'm1', Region: 'us-east-1' }, { ModelId: 'm2', Region: 'us-east-1' })).toBe(false);
  });

  it('count a label missing on both sides, or missing on one and empty on the other, as equal', () => {
    expect(mutes({ ModelId: 'm1' }, { ModelId: 'm1' })).toBe(true);
    expect(mutes({ ModelId: 'm1', Region: '' }, { ModelId: 'm1' })).toBe(true);
    expect(mutes({ ModelId: 'm1' }, { ModelId: 'm1', Region: '' })).toBe(true);
    expect(mutes({ ModelId: 'm1' }, { ModelId: 'm1', Region: 'us-east-1' })).toBe(false);
  });

  it('return the source that mutes', () => {
    const src = source({ ModelId: 'm1' });
    expect(inhibitedBy({ fingerprint: 'tgt', labels: { rule: 'ttft', ModelId: 'm1' } }, [src], [rule])).toBe(src);
  });
});
