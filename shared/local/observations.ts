/**
 * What each rule saw of each model, minute by minute, during a replay: the engine's own
 * observations (value, threshold, baseline, text) and the alert state after each, collected
 * through evaluate's onObservation. Feeds `explain` and the report's charts.
 */
import type { Judged } from '../engine/evaluate';

export interface RuleTrack {
  rule: string;
  labels: Record<string, string>;
  minutes: number[];
  value: (number | null)[];
  threshold: (number | null)[];
  baseline: (number | null)[];
  /** The latest judgement (for explain: replayed up to the time asked about). */
  last: Judged;
}

export const trackKey = (rule: string, labels: Record<string, string>): string =>
  `${rule}\u0000${Object.keys(labels).sort().map((k) => `${k}=${labels[k]}`).join(',')}`;

export class ObservationLog {
  readonly tracks = new Map<string, RuleTrack>();

  /** Pass as ReplayOptions.onObservation. */
  readonly listen = (j: Judged): void => {
    const key = trackKey(j.rule, j.labels);
    let t = this.tracks.get(key);
    if (!t) {
      t = { rule: j.rule, labels: j.labels, minutes: [], value: [], threshold: [], baseline: [], last: j };
      this.tracks.set(key, t);
    }
    const o = j.observation;
    t.minutes.push(j.minute);
    t.value.push(o.evaluable ? o.value : null);
    t.threshold.push(o.evaluable ? o.threshold : null);
    t.baseline.push(o.baseline);
    t.last = j;
  };

  /** Tracks of one model (labels.ModelId), per-caller tracks left out. */
  forModel(model: string): RuleTrack[] {
    return [...this.tracks.values()].filter((t) => t.labels.ModelId === model && !t.labels.caller);
  }
}
