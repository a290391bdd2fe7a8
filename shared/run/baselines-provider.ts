import type { Config } from '../rules/schema';
import type { Table } from '../state/table';
import { NO_BASELINES, type Baselines } from '../engine/types';

/** Baselines the evaluate tick compares against (learned by the baseline function). */
export function storedBaselines(_table: Table, _config: Config): (now: number) => Promise<Baselines> {
  return async () => NO_BASELINES;
}
