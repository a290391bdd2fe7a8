import type { Frame } from '../../core/series';
import { placeLabels } from '../../core/target';
import type { SourceHealthRule } from '../../rules/schema';
import type { Observation } from '../types';


/** Whether this tick could read a place's metrics: every tier breaches while it cannot. */
export function observeSourceHealth(rule: SourceHealthRule, place: string, frame: Frame): Observation {
  const error = frame.places?.failed[place] ?? null;
  const failing = error !== null;
  const where = Object.values(placeLabels(place)).join(', ') || 'this region';
  const breach = { info: failing, warning: failing, critical: failing };
  return {
    evaluable: true,
    breach,
    hold: breach,
    value: failing ? 1 : 0,
    threshold: null,
    baseline: null,
    text: failing ? `cannot read the Bedrock metrics of ${where}: ${error}` : `metrics of ${where} read again`,
    details: { place, error },
  };
}
