import { IncidentsError, parseIncidents, score, type Incident, type ScoredEpisode } from '../../shared/cli/incidents';

const A = 'amazon.nova-lite-v1:0';
const B = 'anthropic.claude-3-5-sonnet-20240620-v1:0';

const incident = (over: Partial<Incident> = {}): Incident => ({ kind: 'server_errors', modelId: A, start: '2026-10-05T15:40:00Z', minutes: 18, severity: 'critical', ...over });
const episode = (startsAt: string, endsAt: string | null, over: Partial<ScoredEpisode> = {}): ScoredEpisode => ({
  labels: { ModelId: A },
  signal: 'server_errors',
  severity: 'critical',
  startsAt,
  endsAt,
  ...over,
});

describe('score()', () => {
  it.each<[string, ScoredEpisode, boolean]>([
    ['an episode starting during the incident', episode('2026-10-05T15:51:00Z', '2026-10-05T16:13:00Z'), true],
    ['an episode already firing when it starts', episode('2026-10-05T15:00:00Z', '2026-10-05T15:45:00Z'), true],
    ['an episode still firing at the end of the run', episode('2026-10-05T15:55:00Z', null), true],
    ['an episode starting within 30 minutes after it ends', episode('2026-10-05T16:27:00Z', '2026-10-05T16:40:00Z'), true],
    ['an episode starting more than 30 minutes after it ends', episode('2026-10-05T16:29:00Z', '2026-10-05T16:40:00Z'), false],
    ['an episode that ended before it', episode('2026-10-05T14:00:00Z', '2026-10-05T15:39:00Z'), false],
    ['an episode on another model', episode('2026-10-05T15:51:00Z', '2026-10-05T16:13:00Z', { labels: { ModelId: B } }), false],
  ])('detection: %s → %s', (_name, ep, detected) => {
    const s = score([ep], [incident()]);
    expect(s.incidents[0].detected).toBe(detected);
    expect(s.unexpected).toEqual(detected ? [] : [ep]);
  });

  it('reports the highest severity reached and the delay to the first episode reaching the expected severity', () => {
    const eps = [
      episode('2026-10-05T16:00:00Z', '2026-10-05T16:20:00Z', { severity: 'critical' }),
      episode('2026-10-05T15:49:00Z', '2026-10-05T16:10:00Z', { severity: 'warning' }),
    ];
    const s = score(eps, [incident()]);
    expect(s.incidents[0]).toMatchObject({ detected: true, severity: 'critical', delayMinutes: 20 });
    expect(s.incidents[0].episodes.map((e) => e.startsAt)).toEqual(['2026-10-05T16:00:00Z']);
    // The warning detects nothing (a critical incident needs critical): it is reported as unexpected.
    expect(s.unexpected).toEqual([eps[1]]);
  });

  it('an episode that starts as a warning counts from when it reached the expected severity, not from its start', () => {
    const ep = episode('2026-10-05T15:43:00Z', '2026-10-05T16:10:00Z', { severity: 'critical', reached: { warning: '2026-10-05T15:43:00Z', critical: '2026-10-05T15:45:00Z' } });
    expect(score([ep], [incident()]).incidents[0]).toMatchObject({ detected: true, delayMinutes: 5, warnMinutes: 3 });
    // A warning incident is met by the warning itself.
    expect(score([ep], [incident({ severity: 'warning' })]).incidents[0]).toMatchObject({ detected: true, delayMinutes: 3 });
  });

  it('onset-to-warn comes from reached.warning, or from the page when the episode paged at once', () => {
    const atOnce = episode('2026-10-05T15:45:00Z', null, { reached: { critical: '2026-10-05T15:45:00Z' } });
    expect(score([atOnce], [incident()]).incidents[0]).toMatchObject({ delayMinutes: 5, warnMinutes: 5 });
    const warnedOnly = episode('2026-10-05T15:44:00Z', null, { severity: 'warning', reached: { warning: '2026-10-05T15:44:00Z' } });
    expect(score([warnedOnly], [incident()]).incidents[0]).toMatchObject({ detected: false, delayMinutes: null, warnMinutes: 4 });
  });

  it('a critical incident seen only at warning is missed, and says so', () => {
    const warning = episode('2026-10-05T15:49:00Z', '2026-10-05T16:10:00Z', { severity: 'warning' });
    const s = score([warning], [incident()]);
    expect(s.incidents[0]).toMatchObject({ detected: false, severity: 'warning', delayMinutes: null, episodes: [] });
    expect(s.unexpected).toEqual([warning]);
  });

  it("counts only episodes watching the incident's signal; the others are unexpected", () => {
    const truncation = incident({ kind: 'truncation', severity: 'warning', start: '2026-10-05T09:00:00Z', minutes: 240 });
    const throttles = episode('2026-10-05T10:25:00Z', '2026-10-05T10:56:00Z', { signal: 'throttles', severity: 'critical' });
    const completion = episode('2026-10-05T11:10:00Z', '2026-10-05T13:22:00Z', { signal: 'completion', severity: 'warning' });
    expect(score([throttles, completion], [truncation])).toMatchObject({
      incidents: [{ detected: true, severity: 'warning', delayMinutes: 130, episodes: [completion] }],
      unexpected: [throttles],
    });
    // Without the completion alert (say its rule was deleted) the throttle alert on the same model detects nothing.
    expect(score([throttles], [truncation])).toMatchObject({ incidents: [{ detected: false, severity: null, episodes: [] }], unexpected: [throttles] });
  });

  it('a missed incident has no severity and no delay', () => {
    expect(score([], [incident()]).incidents[0]).toEqual({ incident: incident(), detected: false, severity: null, delayMinutes: null, warnMinutes: null, episodes: [] });
  });

  it('an alert on noise that must not page (severity none) is unexpected, and the noise counts as paged', () => {
    const blip = incident({ kind: 'blip', severity: 'none', start: '2026-10-05T20:00:00Z', minutes: 1 });
    const ep = episode('2026-10-05T20:04:00Z', '2026-10-05T20:20:00Z');
    const s = score([ep], [incident(), blip]);
    expect(s.incidents.map((r) => r.detected)).toEqual([false, true]);
    expect(s.unexpected).toEqual([ep]);
  });

  it('an alert matching both a real incident and noise is expected', () => {
    const noise = incident({ kind: 'blip', severity: 'none', start: '2026-10-05T15:45:00Z', minutes: 1 });
    const ep = episode('2026-10-05T15:50:00Z', '2026-10-05T16:10:00Z');
    expect(score([ep], [incident(), noise]).unexpected).toEqual([]);
  });

  it('keeps extra fields of the episodes it is given', () => {
    const ep = { ...episode('2026-10-05T15:51:00Z', null), rule: 'bedrock-server-errors' };
    expect(score([ep], [incident()]).incidents[0].episodes[0].rule).toBe('bedrock-server-errors');
  });
});

describe('parseIncidents()', () => {
  it('reads the ground-truth format', () => {
    const text = JSON.stringify([{ kind: 'outage', modelId: A, start: '2026-10-06T13:00:00Z', minutes: 35, severity: 'critical' }]);
    expect(parseIncidents(text)).toEqual([{ kind: 'outage', modelId: A, start: '2026-10-06T13:00:00Z', minutes: 35, severity: 'critical' }]);
  });

  it.each([
    ['not JSON', '{', /not valid JSON/],
    ['not an array', '{}', /expected an array/],
    ['a bad start', JSON.stringify([{ modelId: A, start: 'soon', minutes: 5, severity: 'critical' }]), /\[0\]\.start must be an ISO time/],
    ['a bad severity', JSON.stringify([{ modelId: A, start: '2026-10-06T13:00:00Z', minutes: 5, severity: 'page' }]), /\[0\]\.severity must be one of critical, warning, none/],
  ])('rejects %s', (_name, text, message) => {
    expect(() => parseIncidents(text, 'x.json')).toThrow(IncidentsError);
    expect(() => parseIncidents(text, 'x.json')).toThrow(message);
  });
});
