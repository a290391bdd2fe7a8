/**
 * Which silence holds an alert back (found by mutation testing, issue 17): a silence with a matcher
 * that no longer parses, or with no matcher at all, silences nothing (rather than everything); one
 * starting now is in force now; two silences are never confused with each other.
 */
import { silencedBy, type Silence } from '../../shared/route/silences';

const NOW = Date.parse('2026-10-05T16:00:00.000Z');
const labels = { ModelId: 'meta.llama3-70b', team: 'payments', severity: 'critical' };
const silence = (id: string, matchers: string[], startsAt = NOW - 60_000, endsAt = NOW + 3_600_000): Silence => ({ id, matchers, author: 'ana', comment: 'x', startsAt, endsAt, createdAt: startsAt });

describe('bad input: silences that cannot match', () => {
  it('one matcher that does not parse: the silence silences nothing, even if its other matchers match', () => {
    expect(silencedBy([silence('s1', ['team="payments"', 'ModelId=~"(unclosed"'])], labels, NOW)).toBeNull();
    expect(silencedBy([silence('s2', ['team="payments"', 'not a matcher'])], labels, NOW)).toBeNull();
  });

  it('no matchers at all: silences nothing', () => {
    expect(silencedBy([silence('s3', [])], labels, NOW)).toBeNull();
  });
});

describe('silences in force', () => {
  it('from the minute it starts (inclusive) to its end (exclusive)', () => {
    const s = silence('s4', ['team="payments"'], NOW, NOW + 60_000);
    expect(silencedBy([s], labels, NOW - 1)).toBeNull();
    expect(silencedBy([s], labels, NOW)?.id).toBe('s4');
    expect(silencedBy([s], labels, NOW + 60_000)).toBeNull();
  });

  it('two silences whose matcher texts run together alike are told apart', () => {
    const two = silence('s5', ['team="payments"', 'severity="critical"']);
    const one = silence('s6', ['team="payments"severity="critical"']);
    expect(silencedBy([two], labels, NOW)?.id).toBe('s5');
    expect(silencedBy([one], labels, NOW)).toBeNull();
  });
});
