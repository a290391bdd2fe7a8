/**
 * The simulation's oracle: a ledger of every message each receiver accepted, checked after every
 * step against the decisions in the outbox. The invariants (INVARIANTS) are what the README promises.
 */
import type { Notification } from '../../../shared/core/notification';
import { tierRank, type AlertState, type Tier } from '../../../shared/core/alert';
import type { OutboxItem } from '../../../shared/state/types';
import type { LocalReceiver } from '../receivers';

export const INVARIANTS: Record<string, string> = {
  'no-loss': 'every decided notification is delivered once its receiver is back (or dropped only after the give-up time, counted and announced); the pending list empties',
  'prompt-delivery': 'after a clean tick, nothing due stays unsent at a receiver that answers (no per-item backoff outliving a recovery)',
  'no-repeat': 'Slack and SNS accept each notification once, except one accepted just before a crash that kept the outbox write from happening (at-least-once there); PagerDuty deduplicates on dedup_key',
  'stream-order': 'per receiver and stream, messages are accepted in decision order (a resolve never overtakes its trigger)',
  'policy-order': 'escalation steps of one group reach their receivers in policy order, unless the earlier step’s receiver or the store was failing',
  'ack-stops-escalation': 'after an acknowledgement (Slack button, PagerDuty webhook, CLI) no further escalation step is decided for the acknowledged alerts, even if more alerts join',
  'silence-stops-escalation': 'after a silence matching the alerts, no further escalation step is decided for them (only the resolve)',
  'silence-stops-notifications': 'after a silence matching the alerts, no new firing notification is decided for them (only the resolve)',
  'resolve-told': 'every stream a receiver was told fires is closed by a resolve it accepted, unless a silence of the alerts was active when they resolved (Alertmanager does not send a resolve under a silence)',
  'size-limits': 'no message is refused by its receiver (SNS 256 KB, Slack 50 blocks / 3,000 characters, PagerDuty 512 KB)',
  'tick-fails-only-under-faults': 'a tick fails only in a step where a fault was injected',
  'open-stream': 'no message on a stream (receiver and key) after its resolve, unless a trigger opens it again: neither decided nor accepted',
  'repeat-interval': 'a firing group repeats no more often than its repeat_interval after its previous message, and a repeat is decided once it is due (two clean ticks later at most) while its alerts fire unacknowledged and unsilenced',
  'tier-fall-told': 'a firing alert whose tier fell is told at its lower tier by the route (an update, or any message listing it) within its group_interval, two clean ticks later at most, unless a silence of it was active',
  'repeat-stops': 'no repeat is decided after the group resolved, after an acknowledgement of its alerts (any for the policy, every firing one for the route), or while a silence of them is active',
};

export interface Violation {
  invariant: string;
  step: number;
  detail: string;
  /** Set when the invariant is listed as an expected failure (an issue item fixed on another branch). */
  expected?: string;
}

export interface Accept {
  receiver: string;
  id: string;
  key: string;
  action: Notification['action'];
  fingerprints: string[];
  step: number;
  message: Notification;
}

export interface FinalCounts {
  dropped: number;
  announced: number;
  pending: string[];
}

export class Oracle {
  ticks = 0;
  readonly violations: Violation[] = [];
  private readonly ledger: Accept[] = [];
  private readonly crashed = new Set<string>();
  private readonly receiverFaults = new Map<string, Set<number>>();
  private readonly faultSteps = new Set<number>();
  private readonly firstSeen = new Map<string, number>();
  private readonly acks: { fingerprints: Set<string>; step: number; via: string }[] = [];
  private readonly cliAcked = new Map<string, number>();
  private readonly silences: { rule: string; step: number; from: number; until: number }[] = [];
  private readonly failures: { step: number; message: string }[] = [];
  private readonly seen = new Set<string>();
  /** Ids a tick's commit recorded: decided, so owed. (An outbox item whose tick failed to commit was never decided.) */
  private readonly decided = new Set<string>();

  /** Per step: the event time of its on-time tick, and the alerts as the store holds them after the step. */
  private readonly stepTime = new Map<number, number>();
  private alerts: Record<string, AlertState> = {};

  constructor(
    private readonly opts: {
      policyOrder: string[];
      expectedFailures: Record<string, string>;
      /** The repeat_interval of a message's group (the route's, which the policy inherits). */
      repeatInterval: (n: Notification) => number;
      /** Event time of step 0. */
      t0: number;
      /** The group_interval of a rule's route. */
      groupInterval: (rule: string) => number;
    },
  ) {}

  /** Tiers that fell while firing, not yet told at the route's receivers. */
  private falls: { fingerprint: string; rule: string; episode: number; tier: Tier; at: number; step: number }[] = [];

  /** The step's on-time event time and the alerts after it (what the repeat checks judge "still firing" by, and where tiers fell). */
  observe(step: number, eventTime: number, alerts: Record<string, AlertState>): void {
    this.stepTime.set(step, eventTime);
    for (const [fp, cur] of Object.entries(alerts)) {
      const prev = this.alerts[fp];
      if (prev?.status === 'firing' && cur.status === 'firing' && prev.startsAt === cur.startsAt && cur.tier && tierRank(cur.tier) < tierRank(prev.tier)) {
        this.falls.push({ fingerprint: fp, rule: cur.rule, episode: cur.startsAt!, tier: cur.tier, at: eventTime, step });
      }
    }
    this.alerts = alerts;
  }

  /** tier-fall-told: each fall is told by the route (any message listing the alert at its new tier, or resolved) once its group_interval allows. */
  private checkFalls(step: number, outbox: OutboxItem[]): void {
    const now = this.stepTime.get(step);
    if (now === undefined) return;
    this.falls = this.falls.filter((f) => {
      const told = outbox.some((o) => {
        const n = o.notification;
        if (this.decider(n) === 'policy' || Date.parse(n.at) < f.at) return false;
        return n.alerts.some((a) => a.fingerprint === f.fingerprint && Date.parse(a.startsAt) === f.episode && (a.status === 'resolved' || tierRank(a.tier) <= tierRank(f.tier)));
      });
      if (told) return false;
      // Moot once the alert moved on (rose again, resolved: those are told as such) or a silence of it was active.
      const s = this.alerts[f.fingerprint];
      if (s?.status !== 'firing' || s.startsAt !== f.episode || s.tier !== f.tier) return false;
      if (this.silences.some((x) => x.rule === f.rule && x.until > f.at && x.from <= now)) return false;
      const due = f.at + this.opts.groupInterval(f.rule);
      if (now < due) return true;
      let cleanTicks = 0;
      for (let st = Math.ceil((due - this.opts.t0) / 60_000); st <= step; st++) if (this.clean(st)) cleanTicks++;
      if (cleanTicks < 2) return true;
      this.violate('tier-fall-told', step, `${f.fingerprint}: fell to ${f.tier} at ${new Date(f.at).toISOString()} (step ${f.step}), no route message lists it at that tier though two clean ticks ran after its group_interval`);
      return false;
    });
  }

  committed(ids: string[]): void {
    for (const id of ids) this.decided.add(id);
  }
  accepted(a: Accept): void {
    this.ledger.push(a);
  }
  crashedAfterAccept(id: string): void {
    this.crashed.add(id);
  }
  receiverFault(receiver: string, step: number): void {
    const s = this.receiverFaults.get(receiver) ?? new Set<number>();
    s.add(step);
    this.receiverFaults.set(receiver, s);
  }
  faultAt(step: number): void {
    this.faultSteps.add(step);
  }
  rejected(receiver: string, problem: string, step: number): void {
    this.violate('size-limits', step, `${receiver} refused a message: ${problem}`);
  }
  tickFailed(step: number, message: string): void {
    this.failures.push({ step, message });
  }
  acked(via: string, fingerprints: string[], step: number): void {
    this.acks.push({ fingerprints: new Set(fingerprints), step, via });
  }
  ackedAlert(fingerprint: string, step: number): void {
    if (!this.cliAcked.has(fingerprint)) this.cliAcked.set(fingerprint, step);
  }
  /** A silence of `rule` active in [from, until) on the ticks' clock (their event time), added at `step`. */
  silenced(rule: string, step: number, from: number, until: number): void {
    this.silences.push({ rule, step, from, until });
  }
  latest(receiver: string, pred: (a: Accept) => boolean): Accept | undefined {
    return [...this.ledger].reverse().find((a) => a.receiver === receiver && pred(a));
  }
  /** Accepted messages by action (trigger, escalate, update, repeat, resolve): what kinds a run exercised. */
  actionCounts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const a of this.ledger) out[a.action] = (out[a.action] ?? 0) + 1;
    return out;
  }
  /** The ledger, one line a message (SIM_TRACE=1 prints it): what a replayed seed did. */
  timeline(): string[] {
    const lines: [number, string][] = [
      ...this.ledger.map((a): [number, string] => [a.step, `step ${a.step} ${a.receiver} ${a.action} ${a.key} at ${a.message.at.slice(11, 16)}: ${a.message.alerts.map((x) => `${x.rule}/${x.labels.ModelId ?? ''} ${x.status} ${x.tier}`).join(', ')}`]),
      ...this.acks.map((a): [number, string] => [a.step - 0.5, `step ${a.step} ack via ${a.via}: ${[...a.fingerprints].join(', ')}`]),
      ...[...this.cliAcked].map(([f, step]): [number, string] => [step - 0.5, `step ${step} ack via cli: ${f}`]),
      ...this.silences.map((s): [number, string] => [s.step - 0.5, `step ${s.step} silence of ${s.rule} until ${new Date(s.until).toISOString().slice(11, 16)}`]),
    ];
    return lines.sort((a, b) => a[0] - b[0]).map(([, l]) => l);
  }
  receiverActionCounts(): Record<string, Record<string, number>> {
    const out: Record<string, Record<string, number>> = {};
    for (const a of this.ledger) (out[a.receiver] ??= {})[a.action] = (out[a.receiver][a.action] ?? 0) + 1;
    return out;
  }
  count(pred: (a: Accept) => boolean): number {
    return this.ledger.filter(pred).length;
  }
  acceptedCounts(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const a of this.ledger) out[a.receiver] = (out[a.receiver] ?? 0) + 1;
    return out;
  }

  private violate(invariant: string, step: number, detail: string): void {
    const id = `${invariant}|${detail}`;
    if (this.seen.has(id)) return; // reported once
    this.seen.add(id);
    const expected = this.opts.expectedFailures[invariant];
    this.violations.push({ invariant, step, detail, ...(expected ? { expected } : {}) });
  }

  private faultedBetween(receiver: string | null, from: number, to: number): boolean {
    for (let s = from; s <= to; s++) {
      if (this.faultSteps.has(s)) return true;
      if (receiver && this.receiverFaults.get(receiver)?.has(s)) return true;
    }
    return false;
  }

  /** Who times a message's group: the route (one receiver's group) or the policy (every step receiver shares the escalation group's key). */
  private decider(n: Notification): string {
    return this.opts.policyOrder.includes(n.receiver) ? 'policy' : n.receiver;
  }

  /** A step whose ticks ran clean: no fault injected, no tick failed. */
  private clean(step: number): boolean {
    return !this.faultSteps.has(step) && !this.failures.some((f) => f.step === step);
  }

  /**
   * Acknowledgements made before `step` (people act before the step's ticks) of these alerts: `group`
   * when a Slack press or a PagerDuty event acknowledged a stream holding one of them (the group and
   * its escalation groups), `every` when each was acknowledged (one by one from the CLI, or so),
   * `some` when any was.
   */
  private ackedBefore(fingerprints: string[], step: number): { some: boolean; every: boolean; group: boolean } {
    const viaStream = (f: string) => this.acks.some((a) => a.step <= step && a.fingerprints.has(f));
    const acked = (f: string) => (this.cliAcked.get(f) ?? Infinity) <= step || viaStream(f);
    return { some: fingerprints.some(acked), every: fingerprints.length > 0 && fingerprints.every(acked), group: fingerprints.some(viaStream) };
  }

  /** open-stream, repeat-interval, repeat-stops: over the decisions (the outbox, in decision order) and the ledger. */
  private checkStreams(step: number, outbox: OutboxItem[]): void {
    // Accepted: after a resolve a receiver accepted, nothing more on that stream but a (re)trigger.
    const closed = new Map<string, string>();
    for (const a of this.ledger) {
      const k = `${a.receiver}|${a.key}`;
      const resolveId = closed.get(k);
      if (resolveId !== undefined && a.id !== resolveId) {
        if (a.action === 'trigger') closed.delete(k);
        else this.violate('open-stream', a.step, `${a.receiver} accepted ${a.action} ${a.id} on stream ${a.key} after its resolve ${resolveId}`);
      }
      if (a.action === 'resolve') closed.set(k, a.id);
    }
    // Decided: the same, in decision order.
    const ordered = [...outbox].sort((x, y) => x.seq - y.seq);
    const closedAt = new Map<string, OutboxItem>();
    for (const o of ordered) {
      const n = o.notification;
      const k = `${n.receiver}|${n.key}`;
      const resolve = closedAt.get(k);
      if (resolve && resolve.id !== o.id) {
        if (n.action === 'trigger') closedAt.delete(k);
        else if (n.action === 'repeat') this.violate('repeat-stops', this.firstSeen.get(o.id)!, `repeat ${o.id} to ${n.receiver} decided after the stream ${n.key} resolved (${resolve.id})`);
        else this.violate('open-stream', this.firstSeen.get(o.id)!, `${n.action} ${o.id} to ${n.receiver} decided on stream ${n.key} after its resolve ${resolve.id}`);
      }
      if (n.action === 'resolve') closedAt.set(k, o);
    }

    // Per group timer (decider and key): decision times, oldest first.
    const timers = new Map<string, OutboxItem[]>();
    for (const o of ordered) {
      const k = `${this.decider(o.notification)}|${o.notification.key}`;
      const list = timers.get(k) ?? [];
      list.push(o);
      timers.set(k, list);
    }
    for (const items of timers.values()) {
      for (const o of items) {
        const n = o.notification;
        if (n.action !== 'repeat') continue;
        const at = Date.parse(n.at);
        const seenAt = this.firstSeen.get(o.id)!;
        const every = this.opts.repeatInterval(n);
        // No more often than repeat_interval after the group's previous message (any receiver of the same timer).
        const previous = items.filter((p) => Date.parse(p.notification.at) < at).map((p) => Date.parse(p.notification.at));
        if (!previous.length) this.violate('repeat-interval', seenAt, `repeat ${o.id} to ${n.receiver} (${n.key}) with no earlier message of its group`);
        else if (at - Math.max(...previous) < every) this.violate('repeat-interval', seenAt, `repeat ${o.id} to ${n.receiver} (${n.key}) ${(at - Math.max(...previous)) / 60_000} min after the group's previous message (repeat_interval ${every / 60_000} min)`);
        // Stopped by acknowledgements and silences.
        const firing = n.alerts.filter((a) => a.status === 'firing').map((a) => a.fingerprint);
        const acked = this.ackedBefore(firing, seenAt);
        // The policy stops for a group acknowledgement or once every firing alert is acknowledged; the route's reminders once every firing alert is.
        if (this.decider(n) === 'policy' ? acked.group || acked.every : acked.every) this.violate('repeat-stops', seenAt, `repeat ${o.id} to ${n.receiver} (${n.key}) decided at step ${seenAt}, after ${acked.every ? 'every one of its alerts was acknowledged' : 'an acknowledgement of its group'}`);
        for (const s of this.silences) {
          if (seenAt >= s.step && at >= s.from && at < s.until && n.alerts.every((a) => a.rule === s.rule)) this.violate('repeat-stops', seenAt, `repeat ${o.id} to ${n.receiver} (${n.key}) decided at step ${seenAt}, under a silence of ${s.rule} added at step ${s.step}`);
        }
      }
      // Due and not decided: the group's latest message is not a resolve, its alerts still fire (same
      // episode), nobody acknowledged or silenced them, and two clean ticks ran since the repeat was due.
      const last = items[items.length - 1];
      const n = last.notification;
      if (n.action === 'resolve') continue;
      const lastAt = Math.max(...items.map((p) => Date.parse(p.notification.at)));
      const due = lastAt + this.opts.repeatInterval(n);
      const now = this.stepTime.get(step);
      if (now === undefined || now < due) continue;
      const firing = n.alerts.filter((a) => a.status === 'firing');
      const still = firing.filter((a) => {
        const s = this.alerts[a.fingerprint];
        return s?.status === 'firing' && s.startsAt === Date.parse(a.startsAt);
      });
      if (!still.length || this.ackedBefore(firing.map((a) => a.fingerprint), step).some) continue;
      if (this.silences.some((s) => s.until > lastAt && s.from <= now && n.alerts.some((a) => a.rule === s.rule))) continue;
      const dueStep = Math.ceil((due - this.opts.t0) / 60_000);
      let cleanTicks = 0;
      for (let s = dueStep; s <= step; s++) if (this.clean(s)) cleanTicks++;
      if (cleanTicks >= 2) this.violate('repeat-interval', step, `group ${n.key} (${this.decider(n)}): last message ${new Date(lastAt).toISOString()}, repeat due ${new Date(due).toISOString()}, none decided though two clean ticks ran since (${still.length} alerts still firing)`);
    }
  }

  /** After every step: the outbox as it stands, the HTTP receivers; `final` after the quiet period. */
  async check(step: number, all: OutboxItem[], receivers: { slack: LocalReceiver; pd: LocalReceiver }, final: boolean, pending: string[], counts?: FinalCounts): Promise<void> {
    // Only what a commit recorded was decided; an item written by a tick that then lost the race (or crashed before its commit) is not owed.
    const outbox = all.filter((o) => this.decided.has(o.id));
    for (const o of outbox) if (!this.firstSeen.has(o.id)) this.firstSeen.set(o.id, step);
    const byId = new Map(outbox.map((o) => [o.id, o]));
    // Owed and unsent, yet forgotten by the cursor: nothing would ever send it again.
    const listed = new Set(pending);
    for (const o of outbox) {
      if ((o.status === 'pending' || o.status === 'sending') && !listed.has(o.id)) this.violate('no-loss', step, `${o.notification.receiver}: ${o.notification.action} ${o.id} unsent (${o.status}) but no longer in the cursor's pending list`);
    }

    // Sizes: nothing refused by a receiver.
    for (const [name, r] of [['slack-team', receivers.slack], ['pagerduty-oncall', receivers.pd]] as const) {
      for (const reason of r.rejected) this.violate('size-limits', step, `${name} refused a message: ${reason}`);
    }

    // Repeats: Slack and SNS accept a notification once, unless it was accepted just before a crash.
    const times = new Map<string, number>();
    for (const a of this.ledger) {
      if (a.receiver === 'pagerduty-oncall') continue;
      const k = `${a.receiver}|${a.id}`;
      times.set(k, (times.get(k) ?? 0) + 1);
      if (times.get(k)! > 1 && !this.crashed.has(a.id)) this.violate('no-repeat', a.step, `${a.receiver} accepted ${a.action} ${a.id} ${times.get(k)} times without a crash between acceptance and the write`);
    }

    // Order within each stream (first acceptance of each notification, by decision order).
    const firstAccept = new Map<string, Accept>();
    for (const a of this.ledger) if (!firstAccept.has(`${a.receiver}|${a.id}`)) firstAccept.set(`${a.receiver}|${a.id}`, a);
    const streams = new Map<string, number[]>();
    for (const a of firstAccept.values()) {
      const seq = byId.get(a.id)?.seq;
      if (seq === undefined) continue;
      const k = `${a.receiver}|${a.key}`;
      const list = streams.get(k) ?? [];
      if (list.length && seq < list[list.length - 1]) this.violate('stream-order', a.step, `${a.receiver} stream ${a.key}: ${a.action} ${a.id} (seq ${seq}) accepted after a later decision (seq ${list[list.length - 1]})`);
      list.push(seq);
      streams.set(k, list);
    }

    // Escalation steps in policy order, per group.
    const [first, second] = this.opts.policyOrder;
    for (const later of [...firstAccept.values()].filter((a) => a.receiver === second && a.action === 'escalate')) {
      const earlier = [...firstAccept.values()].find((a) => a.receiver === first && a.action === 'escalate' && a.key === later.key);
      const decided = outbox.find((o) => o.notification.receiver === first && o.notification.action === 'escalate' && o.notification.key === later.key);
      if (!decided) continue; // the earlier step was never decided for this group (acknowledged in between)
      if (earlier && earlier.step <= later.step) continue;
      if (this.faultedBetween(first, this.firstSeen.get(decided.id) ?? 0, later.step)) continue;
      this.violate('policy-order', later.step, `group ${later.key}: step to ${second} accepted at step ${later.step}, step to ${first} ${earlier ? `only at step ${earlier.step}` : 'not yet'}`);
    }

    // Acknowledgements and silences: nothing decided after them but the resolve.
    for (const o of outbox) {
      const seenAt = this.firstSeen.get(o.id)!;
      const n = o.notification;
      if (n.action === 'resolve') continue;
      const firing = n.alerts.filter((a) => a.status === 'firing').map((a) => a.fingerprint);
      if (!firing.length) continue;
      // A policy step (a tier rising at the route's own receiver is also an 'escalate', not a step).
      if (n.action === 'escalate' && this.opts.policyOrder.includes(n.receiver)) {
        for (const ack of this.acks) {
          if (seenAt >= ack.step && firing.some((f) => ack.fingerprints.has(f))) this.violate('ack-stops-escalation', seenAt, `escalation to ${n.receiver} (${n.key}) decided at step ${seenAt}, after a ${ack.via} acknowledgement at step ${ack.step} of ${firing.filter((f) => ack.fingerprints.has(f)).length} of its alerts`);
        }
        if (firing.every((f) => (this.cliAcked.get(f) ?? Infinity) <= seenAt)) this.violate('ack-stops-escalation', seenAt, `escalation to ${n.receiver} (${n.key}) decided at step ${seenAt}, every alert of it acknowledged by the CLI before`);
      }
      for (const s of this.silences) {
        // Decided (on the tick's clock) while the silence was active, by a tick that ran after it was added.
        const decidedAt = Date.parse(n.at);
        if (seenAt < s.step || decidedAt < s.from || decidedAt >= s.until || !n.alerts.every((a) => a.rule === s.rule)) continue;
        this.violate(n.action === 'escalate' ? 'silence-stops-escalation' : 'silence-stops-notifications', seenAt, `${n.action} to ${n.receiver} (${n.key}) decided at step ${seenAt}, after a silence of ${s.rule} at step ${s.step}`);
      }
    }

    this.checkStreams(step, outbox);
    this.checkFalls(step, outbox);

    // A tick fails only where a fault was injected.
    for (const f of this.failures.filter((x) => x.step === step)) {
      if (!this.faultSteps.has(step)) this.violate('tick-fails-only-under-faults', step, `a tick failed with no fault injected: ${f.message}`);
    }

    // Prompt delivery: after a clean step, a receiver that answers has nothing due left unsent.
    if (!final && !this.faultSteps.has(step) && !this.faultSteps.has(step - 1) && !this.failures.some((f) => f.step === step)) {
      const now = Math.max(...outbox.map((o) => o.createdAt), 0);
      const blocked = new Set(outbox.filter((o) => o.status === 'sending' || (o.status === 'pending' && o.nextAttemptAt > now)).map((o) => o.notification.receiver));
      for (const o of outbox) {
        const r = o.notification.receiver;
        if (o.status !== 'pending' || blocked.has(r) || this.receiverFaults.get(r)?.has(step)) continue;
        this.violate('prompt-delivery', step, `${r}: ${o.notification.action} ${o.id} decided at step ${this.firstSeen.get(o.id)} still pending after a clean tick at step ${step} (attempts ${o.attempts}, last error ${o.lastError})`);
      }
    }

    if (!final || !counts) return;
    // Nothing lost: everything decided was sent (and reached the ledger) or dropped, counted and announced.
    for (const o of outbox) {
      if (o.status === 'sent') {
        if (!firstAccept.has(`${o.notification.receiver}|${o.id}`)) this.violate('no-loss', step, `${o.notification.receiver}: ${o.notification.action} ${o.id} marked sent but no receiver accepted it`);
      } else if (o.status === 'dead') {
        this.violate('no-loss', step, `${o.notification.receiver}: ${o.notification.action} ${o.id} dropped within the give-up time: ${o.lastError}`);
      } else {
        this.violate('no-loss', step, `${o.notification.receiver}: ${o.notification.action} ${o.id} still ${o.status} after the quiet period (attempts ${o.attempts}, last error ${o.lastError})`);
      }
    }
    // Every stream told it fires is told it resolved (every model's failure ends within the schedule),
    // unless a silence was active at some point after the stream was opened: a resolve under a silence
    // is not sent, and the sim does not pin the exact minute an alert resolved.
    const resolved = new Set(this.ledger.filter((a) => a.action === 'resolve').map((a) => `${a.receiver}|${a.key}`));
    const opened = new Map<string, Accept>();
    for (const a of this.ledger) if (a.action !== 'resolve' && !opened.has(`${a.receiver}|${a.key}`)) opened.set(`${a.receiver}|${a.key}`, a);
    for (const [k, a] of opened) {
      if (resolved.has(k)) continue;
      const at = Date.parse(a.message.at);
      if (this.silences.some((s) => s.until > at && a.message.alerts.some((x) => x.rule === s.rule))) continue;
      if (outbox.some((o) => o.status === 'dead' && o.notification.receiver === a.receiver && o.notification.key === a.key)) continue; // dropped, counted and announced (no-loss judges it)
      this.violate('resolve-told', step, `${a.receiver} stream ${a.key}: told ${a.action} at step ${a.step}, never told it resolved`);
    }
    const dead = outbox.filter((o) => o.status === 'dead').length;
    if (counts.dropped !== dead) this.violate('no-loss', step, `${dead} notifications dead but ${counts.dropped} counted as dropped`);
    if (counts.announced < dead) this.violate('no-loss', step, `${dead} notifications dead but ${counts.announced} announced on the stack topic`);
    if (counts.pending.length) this.violate('no-loss', step, `the cursor still lists ${counts.pending.length} pending notifications after the quiet period`);
  }
}
