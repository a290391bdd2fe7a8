/**
 * The evaluate tick's view of the learned baselines: the small expectations items, read once
 * and kept until the hour turns (the baseline function rewrites them hourly).
 */
import type { ModelExpectations } from '../core/baseline';
import type { Baselines, Expectation } from '../engine/types';
import { fixedBaselines } from '../engine/kinds/expected';
import { HOUR } from '../core/time';
import type { BaselineStore } from '../state/baselines';

export function baselinesOf(list: ModelExpectations[]): Baselines {
  const byModel = new Map(list.map((e) => [e.model, e]));
  const baselines: Baselines = {
    expect(model, series, hour): Expectation | null {
      const e = byModel.get(model);
      const s = e?.series[series];
      if (!e || !s) return null;
      const i = Math.floor((hour - e.start) / HOUR);
      const v = i >= 0 && i < s.values.length ? s.values[i] : null;
      if (v === null || v === undefined) return null;
      // An hour known only from days of another kind (a first weekend judged by weekdays) is not trusted to page.
      const confidence = s.basis?.[i] === 'm' && s.confidence === 'ok' ? 'low' : s.confidence;
      return { value: v, confidence, hours: s.hours };
    },
    model: (model) => byModel.get(model) ?? null,
    models: () => [...byModel.keys()],
  };
  // Read-only from here on: expectedOver may keep running sums for it.
  fixedBaselines.add(baselines);
  return baselines;
}

/** The same expectations items, in the same order (the memory store hands back the objects it holds until a learning run replaces them). */
const sameItems = (a: ModelExpectations[], b: ModelExpectations[]): boolean => a.length === b.length && a.every((e, i) => e === b[i]);

export function storedBaselines(store: BaselineStore, refreshMs = 10 * 60_000): (now: number) => Promise<Baselines> {
  let cached: { at: number; list: ModelExpectations[]; value: Baselines } | undefined;
  return async (now) => {
    // Refresh when the hour turns or after refreshMs: a new learning run may have landed.
    if (!cached || Math.floor(cached.at / HOUR) !== Math.floor(now / HOUR) || now - cached.at >= refreshMs || now < cached.at) {
      const list = await store.loadExpectations();
      // Unchanged items keep the view built on them (and the sums expectedOver keeps for it).
      cached = { at: now, list, value: cached && sameItems(cached.list, list) ? cached.value : baselinesOf(list) };
    }
    return cached.value;
  };
}
