/**
 * CloudWatch metric source: per-model AWS/Bedrock datapoints through GetMetricData only
 * (the IAM policy allows cloudwatch:GetMetricData and nothing else, so no ListMetrics).
 *
 * Discovery (default): one SEARCH expression per requested key,
 *   SEARCH('{AWS/Bedrock,ModelId} MetricName="Invocations"', 'Sum', 60)
 * labelled with the dynamic label `${PROP('Dim.ModelId')}`, so every series the search
 * returns carries its model id as Label (search results all share the query's Id).
 * `discovery: false`: one MetricStat query per known model × key.
 *
 * Throttling is left to the SDK's own retry strategy (configure the client with
 * `retryMode: 'adaptive'` / `maxAttempts`, see createCloudWatchClient); this class does not
 * retry on its own.
 */
import {
  CloudWatchClient,
  GetMetricDataCommand,
  type CloudWatchClientConfig,
  type GetMetricDataCommandOutput,
  type MetricDataQuery,
  type MetricDataResult,
} from '@aws-sdk/client-cloudwatch';
import { ACCOUNT, emptyFrame, parseSeriesKey, type Frame, type Series, type SeriesKey } from '../core/series';
import { parseTarget, placeKey, placeOfTarget, targetKey } from '../core/target';
import { type FetchRequest, type MetricSource } from './types';

/** GetMetricData accepts at most 500 MetricDataQuery structures per call. */
export const MAX_QUERIES_PER_CALL = 500;

/** Dynamic label that makes CloudWatch label each search result with its ModelId. */
export const MODEL_ID_LABEL = "${PROP('Dim.ModelId')}";

export interface CloudWatchSourceOptions {
  client: CloudWatchClient;
  /** Metric namespace, `AWS/Bedrock` by default. */
  namespace?: string;
  /** true (default): find models with SEARCH expressions; false: query `req.knownModels` only. */
  discovery?: boolean;
  /**
   * Where this source reads, when a deployment watches several places: its series are keyed by
   * region, account and ModelId (shared/core/target), and it keeps only known targets of its place.
   * `observability: true` reads a linked source account from a CloudWatch cross-account
   * observability monitoring account (`:aws.AccountId` in SEARCH, `AccountId` on MetricStat queries).
   */
  place?: Place;
}

export interface Place {
  region?: string;
  account?: string;
  observability?: boolean;
}

/** Cumulative counters since construction (or the last resetStats()). */
export interface CloudWatchSourceStats {
  /** GetMetricData API calls, every NextToken page counted. */
  calls: number;
  /** MetricDataQuery structures sent, summed over calls (a page re-sends its batch). */
  queries: number;
  /** Datapoints returned by CloudWatch (before dropping any outside [from, to)). */
  datapoints: number;
  /**
   * Metrics as GetMetricData bills them, summed over calls: 1 per MetricStat query, and for
   * a search expression the number of series it returned. Feed to getMetricDataCost().
   */
  metrics: number;
}

/** A CloudWatch client with the SDK's adaptive retry (client-side rate limiting on throttles). */
export function createCloudWatchClient(config: CloudWatchClientConfig = {}): CloudWatchClient {
  return new CloudWatchClient({ retryMode: 'adaptive', maxAttempts: 6, ...config });
}

interface Plan {
  id: string;
  key: SeriesKey;
  metric: string;
  stat: string;
  /** Set for explicit MetricStat queries; search results take the model from their Label. */
  model?: string;
  query: MetricDataQuery;
}

/** Namespace or metric text that can sit inside the SEARCH string without escaping. */
const SAFE_SEARCH_TEXT = /^[^'"\\{}]+$/;
const PLAIN_NAMESPACE = /^[A-Za-z0-9/_.\-]+$/;

export class CloudWatchSource implements MetricSource {
  readonly stats: CloudWatchSourceStats = { calls: 0, queries: 0, datapoints: 0, metrics: 0 };
  private readonly client: CloudWatchClient;
  private readonly namespace: string;
  private readonly discovery: boolean;
  private readonly place: Place;

  constructor({ client, namespace = 'AWS/Bedrock', discovery = true, place = {} }: CloudWatchSourceOptions) {
    if (!SAFE_SEARCH_TEXT.test(namespace)) throw new Error(`CloudWatchSource: unsupported namespace ${JSON.stringify(namespace)}`);
    if (place.account !== undefined && !/^\d{12}$/.test(place.account)) throw new Error(`CloudWatchSource: account must be 12 digits, got ${JSON.stringify(place.account)}`);
    this.client = client;
    this.namespace = namespace;
    this.discovery = discovery;
    this.place = place;
    // Account-wide reads of the account the client is in (its own, or a role assumed there), or of a
    // linked account through cross-account observability (AccountId on the query).
    this.fetchAccount = (req) => this.readAccount(req);
  }

  /** Account-wide datapoints (see readAccount). */
  readonly fetchAccount?: (req: Omit<FetchRequest, 'knownModels'>) => Promise<Frame>;

  /** The frame key of a model read by this source. */
  private key(model: string): string {
    return targetKey({ modelId: model, region: this.place.region, account: this.place.account });
  }

  /** Whether a known target key belongs to this source's place. */
  private mine(key: string): boolean {
    return placeOfTarget(key) === placeKey(this.place.region, this.place.account);
  }

  resetStats(): void {
    Object.assign(this.stats, { calls: 0, queries: 0, datapoints: 0, metrics: 0 });
  }

  /** The SEARCH expression used for one metric and statistic at `periodSeconds`. */
  searchExpression(metric: string, stat: string, periodSeconds: number): string {
    const ns = PLAIN_NAMESPACE.test(this.namespace) ? this.namespace : `"${this.namespace}"`;
    const account = this.place.observability && this.place.account ? ` :aws.AccountId="${this.place.account}"` : '';
    return `SEARCH('{${ns},ModelId} MetricName="${metric}"${account}', '${stat}', ${periodSeconds})`;
  }

  async fetch(req: FetchRequest): Promise<Frame> {
    const { from, to, period } = req;
    if (!Number.isFinite(from) || !Number.isFinite(to) || !(period > 0) || period % 1000 !== 0) {
      throw new Error(`CloudWatchSource: invalid request window from=${from} to=${to} period=${period}`);
    }
    const frame = emptyFrame(from, to, period);
    const keys = [...new Set(req.keys)];
    const parsed = keys.map((key) => {
      const { metric, stat } = parseSeriesKey(key);
      if (!metric || !stat || !SAFE_SEARCH_TEXT.test(metric) || !SAFE_SEARCH_TEXT.test(stat)) {
        throw new Error(`CloudWatchSource: invalid series key ${JSON.stringify(key)} (expected Metric:Stat)`);
      }
      return { key, metric, stat };
    });

    const ensureModel = (target: string): Record<SeriesKey, Series> => {
      let m = frame.models[target];
      if (!m) {
        m = {};
        for (const { key } of parsed) m[key] = new Array<number | null>(frame.length).fill(null);
        frame.models[target] = m;
      }
      return m;
    };
    // Named targets (error counts of some models only): exactly those, as MetricStat queries.
    const known = (req.models ?? req.knownModels ?? []).filter((k) => this.mine(k));
    // Known models stay in the frame even without a datapoint: the engine must see them go silent.
    for (const target of known) ensureModel(target);
    if (frame.length === 0 || parsed.length === 0) return frame;

    const periodSeconds = period / 1000;
    const plans: Plan[] = [];
    if (this.discovery && !req.models) {
      parsed.forEach(({ key, metric, stat }, i) => {
        const id = `s${i}`;
        plans.push({
          id,
          key,
          metric,
          stat,
          query: { Id: id, Expression: this.searchExpression(metric, stat, periodSeconds), Label: MODEL_ID_LABEL, ReturnData: true },
        });
      });
    } else {
      const models = [...new Set(known.map((k) => parseTarget(k).modelId))];
      let n = 0;
      for (const model of models) {
        for (const { key, metric, stat } of parsed) {
          const id = `m${n++}`;
          plans.push({
            id,
            key,
            metric,
            stat,
            model,
            query: {
              Id: id,
              MetricStat: {
                Metric: { Namespace: this.namespace, MetricName: metric, Dimensions: [{ Name: 'ModelId', Value: model }] },
                Stat: stat,
                Period: periodSeconds,
              },
              ...(this.place.observability && this.place.account ? { AccountId: this.place.account } : {}),
              ReturnData: true,
            },
          });
        }
      }
    }

    const write = (model: string, key: SeriesKey, result: MetricDataResult): void => {
      if (Math.min(result.Timestamps?.length ?? 0, result.Values?.length ?? 0) > 0) writeResult(ensureModel(this.key(model))[key]!, result, req);
    };

    for (let i = 0; i < plans.length; i += MAX_QUERIES_PER_CALL) {
      await this.runBatch(plans.slice(i, i + MAX_QUERIES_PER_CALL), req, write);
    }
    return frame;
  }

  /**
   * Account-wide datapoints: one MetricStat query per key without the ModelId dimension (Bedrock
   * publishes its metrics across all models too), one billed metric each, under the model `*` of
   * this place (the target key of ModelId `*` in its region and account).
   */
  private async readAccount(req: Omit<FetchRequest, 'knownModels'>): Promise<Frame> {
    const frame = emptyFrame(req.from, req.to, req.period);
    const keys = [...new Set(req.keys)];
    const target = this.key(ACCOUNT);
    frame.models[target] = Object.fromEntries(keys.map((k) => [k, new Array<number | null>(frame.length).fill(null)]));
    if (frame.length === 0 || keys.length === 0) return frame;
    const plans: Plan[] = keys.map((key, i) => {
      const { metric, stat } = parseSeriesKey(key);
      if (!metric || !stat) throw new Error(`CloudWatchSource: invalid series key ${JSON.stringify(key)} (expected Metric:Stat)`);
      const id = `a${i}`;
      return {
        id,
        key,
        metric,
        stat,
        model: ACCOUNT,
        query: {
          Id: id,
          MetricStat: { Metric: { Namespace: this.namespace, MetricName: metric, Dimensions: [] }, Stat: stat, Period: req.period / 1000 },
          ...(this.place.observability && this.place.account ? { AccountId: this.place.account } : {}),
          ReturnData: true,
        },
      };
    });
    await this.runBatch(plans, req, (_model, key, result) => writeResult(frame.models[target]![key]!, result, req));
    return frame;
  }

  /** One batch of ≤ 500 queries: follows NextToken until exhausted. */
  private async runBatch(
    batch: Plan[],
    req: Omit<FetchRequest, 'knownModels'>,
    write: (model: string, key: SeriesKey, result: MetricDataResult) => void,
  ): Promise<void> {
    const byId = new Map(batch.map((p) => [p.id, p]));
    const where = [this.place.region, this.place.account && `account ${this.place.account}`].filter(Boolean).join(', ');
    const context = `${where ? `${where}, ` : ''}${this.namespace}, ${batch.length} ${batch.length === 1 ? 'query' : 'queries'}, ${formatRange(req.from, req.to)}`;
    const seenTokens = new Set<string>();
    let nextToken: string | undefined;
    do {
      let out: GetMetricDataCommandOutput;
      this.stats.calls++;
      this.stats.queries += batch.length;
      try {
        out = await this.client.send(
          new GetMetricDataCommand({
            MetricDataQueries: batch.map((p) => p.query),
            StartTime: new Date(req.from),
            EndTime: new Date(req.to),
            ScanBy: 'TimestampAscending',
            NextToken: nextToken,
          }),
        );
      } catch (err) {
        throw new Error(`CloudWatch GetMetricData (${context}): ${describeError(err)}`, { cause: err });
      }

      const searchSeries = new Set<string>();
      for (const result of out.MetricDataResults ?? []) {
        const plan = result.Id ? byId.get(result.Id) : undefined;
        if (!plan) continue;
        if (result.StatusCode === 'InternalError' || result.StatusCode === 'Forbidden') {
          const messages = (result.Messages ?? []).map((m) => [m.Code, m.Value].filter(Boolean).join(': ')).filter(Boolean);
          const what = plan.model ? `${plan.key} of ${plan.model}` : `${plan.key} (${plan.query.Expression})`;
          throw new Error(
            `CloudWatch GetMetricData (${context}): ${result.StatusCode} for ${what}${messages.length ? `: ${messages.join('; ')}` : ''}`,
          );
        }
        this.stats.datapoints += result.Timestamps?.length ?? 0;
        if (plan.model !== undefined) {
          write(plan.model, plan.key, result);
          continue;
        }
        const model = result.Label ?? '';
        if (!model || model === MODEL_ID_LABEL) {
          // A search with no match may come back as one empty, unlabelled result.
          if (!result.Timestamps?.length) continue;
          throw new Error(`CloudWatch GetMetricData (${context}): search result for ${plan.key} has no ModelId label`);
        }
        searchSeries.add(`${plan.id}\u0000${model}`);
        write(model, plan.key, result);
      }
      this.stats.metrics += batch.filter((p) => p.model !== undefined).length + searchSeries.size;

      // PartialData results: the rest of their datapoints comes with the next token.
      nextToken = out.NextToken || undefined;
      if (nextToken !== undefined) {
        if (seenTokens.has(nextToken)) throw new Error(`CloudWatch GetMetricData (${context}): NextToken repeated, giving up`);
        seenTokens.add(nextToken);
      }
    } while (nextToken !== undefined);
  }
}

/** A result's datapoints into their slots; any outside [from, to) are dropped. */
function writeResult(series: Series, result: MetricDataResult, { from, to, period }: { from: number; to: number; period: number }): void {
  const ts = result.Timestamps ?? [];
  const vs = result.Values ?? [];
  for (let i = 0; i < Math.min(ts.length, vs.length); i++) {
    const t = ts[i]!.getTime();
    const v = vs[i]!;
    if (t >= from && t < to && Number.isFinite(v)) series[Math.floor((t - from) / period)] = v;
  }
}

function describeError(err: unknown): string {
  if (err instanceof Error) {
    const name = err.name && err.name !== 'Error' ? err.name : '';
    const message = err.message || '(no message)';
    return name ? `${name}: ${message}` : message;
  }
  return String(err);
}

/** `2026-10-05T10:00Z..10:15Z` (end date omitted when it is the same day). */
export function formatRange(from: number, to: number): string {
  const a = formatTime(from);
  const b = formatTime(to);
  return a.slice(0, 11) === b.slice(0, 11) ? `${a}..${b.slice(11)}` : `${a}..${b}`;
}

function formatTime(t: number): string {
  const iso = new Date(t).toISOString(); // 2026-10-05T10:00:00.000Z
  if (iso.endsWith(':00.000Z')) return `${iso.slice(0, 16)}Z`;
  if (iso.endsWith('.000Z')) return `${iso.slice(0, 19)}Z`;
  return iso;
}
