/**
 * Several regions and accounts read as one source: each place has its own CloudWatch source
 * (its region's client, its account's credentials or cross-account observability), all fetched
 * concurrently. A place that fails (throttled, unreachable, access denied) is reported in the
 * frame and does not stop the others; its targets are left out rather than read as silent.
 */
import { emptyFrame, type Frame } from '../core/series';
import type { FetchRequest, MetricSource } from './types';

export interface PlacedSource {
  /** shared/core/target placeKey(region, account), as in Frame.places. */
  place: string;
  source: MetricSource;
}


export class PlacesSource implements MetricSource {
  constructor(private readonly parts: readonly PlacedSource[]) {
    if (!parts.length) throw new Error('PlacesSource: no region or account to read');
  }

  async fetch(req: FetchRequest): Promise<Frame> {
    // `places` narrows a read to some places (error counts where the account-wide sum is not zero); `all` still lists every place.
    const parts = req.places ? this.parts.filter((p) => req.places!.includes(p.place)) : this.parts;
    const results = await Promise.allSettled(parts.map((p) => p.source.fetch(req)));
    const frame = emptyFrame(req.from, req.to, req.period);
    frame.places = { all: this.parts.map((p) => p.place), failed: {} };
    results.forEach((r, i) => {
      if (r.status === 'fulfilled') Object.assign(frame.models, r.value.models);
      else frame.places!.failed[parts[i].place] = r.reason instanceof Error ? r.reason.message : String(r.reason);
    });
    return frame;
  }

  /**
   * Every place's account-wide series, each under its own `*` target. A place that cannot give
   * them (no account-wide read, or the read failed) is left out: the tick reads its counts per model.
   */
  async fetchAccount(req: Omit<FetchRequest, 'knownModels'>): Promise<Frame> {
    const parts = this.parts.filter((p) => p.source.fetchAccount && (!req.places || req.places.includes(p.place)));
    const results = await Promise.allSettled(parts.map((p) => p.source.fetchAccount!(req)));
    const frame = emptyFrame(req.from, req.to, req.period);
    for (const r of results) if (r.status === 'fulfilled') Object.assign(frame.models, r.value.models);
    return frame;
  }
}
