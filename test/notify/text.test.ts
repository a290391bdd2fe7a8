/**
 * shared/notify/text.ts on its own: the words every receiver shares (tier, title, subject, place and
 * the one-line summary a phone shows).
 */
import type { AlertView, Notification } from '../../shared/core/notification';
import { firingOf, listSubject, messageTier, oneLine, placesOf, resolvedOf, shortValue, shorten, subjectOf, titleOf, whereOf, whereOfAll } from '../../shared/notify/text';
import { sampleNotification } from '../support/notification';

const base = sampleNotification().alert;
const view = (over: Partial<AlertView> = {}): AlertView => ({ ...base, ...over });
const of = (alerts: AlertView[], over: Partial<Notification> = {}): Notification => ({ ...sampleNotification(), alert: alerts[0], alerts, ...over });

describe('tiers and status', () => {
  it('firing and resolved alerts of a message', () => {
    const a = view({ fingerprint: 'a' });
    const b = view({ fingerprint: 'b', status: 'resolved' });
    expect(firingOf(of([a, b]))).toEqual([a]);
    expect(resolvedOf(of([a, b]))).toEqual([b]);
  });

  it('messageTier: the highest firing tier, whatever the order; all resolved: the highest told; none: info', () => {
    expect(messageTier(of([view({ tier: 'info' }), view({ tier: 'critical' }), view({ tier: 'warning' })]))).toBe('critical');
    expect(messageTier(of([view({ tier: 'warning' }), view({ tier: 'info' })]))).toBe('warning');
    expect(messageTier(of([view({ tier: 'info' }), view({ tier: 'warning' })]))).toBe('warning');
    // A resolved critical does not raise a firing warning.
    expect(messageTier(of([view({ tier: 'critical', status: 'resolved' }), view({ tier: 'warning' })]))).toBe('warning');
    expect(messageTier(of([view({ tier: 'info', status: 'resolved' }), view({ tier: 'critical', status: 'resolved' })]))).toBe('critical');
    expect(messageTier(of([]))).toBe('info');
    // An unknown tier never wins over a known one.
    expect(messageTier(of([view({ tier: 'warning' }), view({ tier: 'bogus' as never })]))).toBe('warning');
  });
});

describe('titles, subjects and places', () => {
  it('titleOf: the title; else the summary before " on <model>", without a "Resolved" prefix; else before ": "; else the rule', () => {
    expect(titleOf(view({ title: 'Throttling' }))).toBe('Throttling');
    expect(titleOf(view({ summary: 'Server-error rate 9.1% on amazon.nova-lite-v1:0' }))).toBe('Server-error rate 9.1%');
    expect(titleOf(view({ summary: 'Resolved: Server errors on amazon.nova-lite-v1:0: 1%' }))).toBe('Server errors');
    expect(titleOf(view({ summary: 'Resolved for lack of data: Server errors on amazon.nova-lite-v1:0' }))).toBe('Server errors');
    expect(titleOf(view({ labels: {}, summary: 'Budget: 52% spent: more' }))).toBe('Budget');
    // A model label that the summary does not mention: the part before the first ": ".
    expect(titleOf(view({ labels: { ModelId: 'other' }, summary: 'Latency p95: 3 s' }))).toBe('Latency p95');
    // The model at the very start (cut at 0) or no summary: the rule.
    expect(titleOf(view({ summary: ' on amazon.nova-lite-v1:0: x' }))).toBe(' on amazon.nova-lite-v1:0');
    expect(titleOf(view({ summary: '' }))).toBe('server-errors');
    expect(titleOf(view({ labels: {}, summary: ': x' }))).toBe('server-errors');
    expect(titleOf(view({ labels: {}, summary: 'Plain' }))).toBe('Plain');
    // "Resolved: " is a prefix only: inside a summary it is part of the title.
    expect(titleOf(view({ labels: {}, summary: 'Tickets Resolved: 3 open' }))).toBe('Tickets Resolved');
  });

  it('subjectOf: the model, else the budget, else the caller, else the rule', () => {
    expect(subjectOf(view({ labels: { ModelId: 'm', budget: 'b', caller: 'c' } }))).toBe('m');
    expect(subjectOf(view({ labels: { budget: 'b', caller: 'c' } }))).toBe('b');
    expect(subjectOf(view({ labels: { caller: 'c' } }))).toBe('c');
    expect(subjectOf(view({ labels: {} }))).toBe('server-errors');
  });

  it('whereOf, placesOf, whereOfAll and listSubject', () => {
    const a = view({ labels: { ModelId: 'm', AccountId: '1', Region: 'r1' } });
    const b = view({ labels: { ModelId: 'm', AccountId: '1', Region: 'r2' } });
    const c = view({ labels: { ModelId: 'n', Region: 'r1' } });
    const none = view({ labels: { ModelId: 'n' } });
    expect([whereOf(a), whereOf(c), whereOf(none)]).toEqual(['1 · r1', 'r1', '']);
    expect(whereOf(view({ labels: { AccountId: '1' } }))).toBe('1');
    expect(placesOf([a, a, none, b])).toEqual(['1 · r1', '1 · r2']);
    expect(whereOfAll([a, b, c])).toBe('3 places');
    expect(whereOfAll([a, a, none])).toBe('1 · r1');
    expect(whereOfAll([none])).toBe('');
    expect(listSubject(a, ['1 · r1', '1 · r2'])).toBe('m (1 · r1)');
    expect(listSubject(a, ['1 · r1'])).toBe('m');
    expect(listSubject(none, ['1 · r1', '1 · r2'])).toBe('n');
  });

  it('shortValue: the value before its explanation', () => {
    expect(shortValue(view({ valueText: '9.1% (91 of 1000)' }))).toBe('9.1%');
    expect(shortValue(view({ valueText: '9.1%; rising (fast)' }))).toBe('9.1%');
    expect(shortValue(view({ valueText: '9.1%' }))).toBe('9.1%');
  });

  it('shorten: at most max characters, the last an ellipsis', () => {
    expect(shorten('abcdef', 6)).toBe('abcdef');
    expect(shorten('abcdefg', 6)).toBe('abcde…');
  });
});

describe('oneLine', () => {
  const m = (model: string, over: Partial<AlertView> = {}) => view({ fingerprint: model, title: 'Throttling', labels: { ModelId: model, Region: 'us-east-1' }, valueText: '23% (230 of 1000)', ...over });

  it('one alert: tier, title, subject, short value and region', () => {
    expect(oneLine(of([m('a')]))).toBe('CRITICAL: Throttling on a: 23% · us-east-1');
    expect(oneLine(of([m('a', { labels: { ModelId: 'a' } })]))).toBe('CRITICAL: Throttling on a: 23%');
  });

  it('several: counted, two named (shortened), the rest as +N; firing only, resolved counted after', () => {
    const long = 'x'.repeat(40);
    expect(oneLine(of([m(long), m('b'), m('c'), m('d', { status: 'resolved' })]))).toBe(`CRITICAL: Throttling on 3 models (${'x'.repeat(27)}…, b, +1); 1 resolved · us-east-1`);
    expect(oneLine(of([m('a'), m('b')]))).toBe('CRITICAL: Throttling on 2 models (a, b) · us-east-1');
    // Not all models: items.
    expect(oneLine(of([m('a'), view({ title: 'Budget', labels: { budget: 'b' } })]))).toBe('CRITICAL: 2 kinds of alert on 2 items (a, b) · us-east-1');
  });

  it('the same model in two regions is two alerts, named once; several regions are counted', () => {
    const line = oneLine(of([m('a'), m('a', { labels: { ModelId: 'a', Region: 'eu-west-1' } }), m('a', { labels: { ModelId: 'a', Region: 'ap-south-1' } })]));
    expect(line).toBe('CRITICAL: Throttling on 3 models (a, +2) · 3 regions');
  });

  it('all resolved: RESOLVED, with (no data) when every one resolved for lack of data', () => {
    expect(oneLine(of([m('a', { status: 'resolved' })]))).toBe('RESOLVED: Throttling on a: 23% · us-east-1');
    expect(oneLine(of([m('a', { status: 'resolved', resolveReason: 'no data' }), m('b', { status: 'resolved', resolveReason: 'no data' })]))).toBe('RESOLVED (no data): Throttling on 2 models (a, b) · us-east-1');
    expect(oneLine(of([m('a', { status: 'resolved', resolveReason: 'no data' }), m('b', { status: 'resolved' })]))).toBe('RESOLVED: Throttling on 2 models (a, b) · us-east-1');
    // A firing message never says (no data), even if a resolved member did.
    expect(oneLine(of([m('a', { tier: 'warning' }), m('b', { status: 'resolved', resolveReason: 'no data' })]))).toBe('WARNING: Throttling on a: 23%; 1 resolved · us-east-1');
  });
});
