import { TIERS, type Tier } from '../../core/alert';
import type { Observation } from '../types';

export const TIER_ORDER = TIERS;

/** Limit texts per rule, each worked out once (a rule's tiers are the same every minute). */
const LIMIT_TEXTS = new WeakMap<object, Partial<Record<Tier, string>>>();

/** How each tier of a rule reads its limit ("above 5%"), from `text`, worked out on the rule's first judgement. */
export function tierLimits<T>(rule: { tiers: Partial<Record<Tier, T>> }, text: (t: T) => string): Partial<Record<Tier, string>> {
  let out = LIMIT_TEXTS.get(rule);
  if (!out) {
    out = {};
    for (const tier of TIER_ORDER) {
      const t = rule.tiers[tier];
      if (t) out[tier] = text(t);
    }
    LIMIT_TEXTS.set(rule, out);
  }
  return out;
}

export interface TierCheck {
  tier: Tier;
  breach: boolean;
  hold: boolean;
  /** How the tier's limit reads: "above 5%" (a function: formatted only when a text is read). */
  limit: string | (() => string);
  threshold: number | null;
}

export function unevaluable(reason: string): Observation {
  return { evaluable: false, breach: {}, hold: {}, value: null, threshold: null, baseline: null, text: reason, details: { reason } };
}

/**
 * What a kind says about its figures, formatted only when read: the text for a tier's limit, and the
 * details. Kinds write `text` and `details` as methods, not arrow properties, and keep closures made
 * per judgement out of named bindings: run through tsx (the CLI did; BEDROCK_WATCH_TSX=1 still does),
 * keepNames gives every named function expression a `__name(fn, …)` call (Object.defineProperty) each
 * time it is made, which was measurably slower in the engine bench (the CLI's bundle and the deployed
 * ones are built without it).
 */
export interface Texts {
  value: number;
  baseline: number | null;
  cap?: Tier;
  text: (limit: string) => string;
  details: Observation['details'] | (() => Observation['details']);
}

/** Builds an observation from per-tier checks; the text names the highest tier in play. */
export function observation(checks: TierCheck[], o: Texts): Observation {
  const breach: Observation['breach'] = {};
  const hold: Observation['hold'] = {};
  let top: TierCheck | undefined;
  for (const c of checks) {
    breach[c.tier] = c.breach;
    hold[c.tier] = c.hold;
    if (c.hold) top = c;
  }
  return new Judgement(breach, hold, checks, top ?? checks[0], o);
}

/** Formats every text of an observation now (one read later, after what it was made from has moved on, reads the same). */
export function formatTexts(o: Observation): Observation {
  if (o instanceof Judgement) {
    o.text;
    o.details;
    for (const t of Object.values(o.byTier)) t?.text;
  }
  return o;
}

const limitOf = (c: TierCheck): string => `${c.tier} ${typeof c.limit === 'string' ? c.limit : c.limit()}`;

/**
 * An evaluable observation whose texts (text, each tier's text, details) are formatted on first
 * read. Most minutes nobody reads them: the alert state records them only when it is stored or
 * notifies (machine.ts), and explain and the report read them when they print; formatting them
 * for every rule, model and minute was work nobody read. The figures are fixed
 * when it is made, so a text formatted late reads exactly as one formatted at once.
 * Serialised (JSON) as the plain observation it stands for, fields in the same order.
 */
class Judgement implements Observation {
  readonly evaluable = true;
  readonly cap: Tier | undefined;
  readonly value: number;
  readonly threshold: number | null;
  readonly baseline: number | null;
  private made: string | undefined;
  private tiers: NonNullable<Observation['byTier']> | undefined;
  private facts: Observation['details'] | undefined;
  constructor(
    readonly breach: Observation['breach'],
    readonly hold: Observation['hold'],
    private readonly checks: TierCheck[],
    private readonly named: TierCheck | undefined,
    private readonly o: Texts,
  ) {
    this.cap = o.cap;
    this.value = o.value;
    this.threshold = named?.threshold ?? null;
    this.baseline = o.baseline;
  }
  get text(): string {
    return (this.made ??= this.o.text(this.named ? limitOf(this.named) : ''));
  }
  get byTier(): NonNullable<Observation['byTier']> {
    if (!this.tiers) {
      const byTier: NonNullable<Observation['byTier']> = {};
      // A tier's text is read only when that tier qualifies (machine.ts stepDeferred): formatted then.
      for (const c of this.checks) byTier[c.tier] = new TierText(c.threshold, () => this.o.text(limitOf(c)));
      this.tiers = byTier;
    }
    return this.tiers;
  }
  get details(): Observation['details'] {
    const d = this.o.details;
    return (this.facts ??= typeof d === 'function' ? d() : d);
  }
  toJSON(): Observation {
    return { evaluable: true, breach: this.breach, hold: this.hold, cap: this.cap, value: this.value, threshold: this.threshold, baseline: this.baseline, text: this.text, byTier: this.byTier, details: this.details };
  }
}
/**
 * A tier's text, formatted on first read: most minutes nobody reads it (machine.ts stepDeferred
 * reads the qualifying tier's only). Serialised as the plain { text, threshold } it stands for.
 */
class TierText {
  private made: string | undefined;
  constructor(
    readonly threshold: number | null,
    private readonly make: () => string,
  ) {}
  get text(): string {
    return (this.made ??= this.make());
  }
  toJSON(): { text: string; threshold: number | null } {
    return { text: this.text, threshold: this.threshold };
  }
}

/** Per-tier checks for "value above the tier's `above`" with hysteresis: the shape most kinds share. */
export function aboveChecks(tiers: Partial<Record<Tier, { above: number }>>, value: number, hysteresis: number, text: (above: number) => string): TierCheck[] {
  return TIER_ORDER.flatMap((tier) => {
    const t = tiers[tier];
    if (!t) return [];
    return [
      {
        tier,
        breach: value > t.above,
        hold: value > t.above * (1 - hysteresis),
        limit() {
          return text(t.above);
        },
        threshold: t.above,
      },
    ];
  });
}
