/** AWS/Bedrock metrics a rule may name (CloudWatch publishes them per ModelId). */
export const BEDROCK_METRICS = [
  'Invocations',
  'InvocationLatency',
  'TimeToFirstToken',
  'InvocationClientErrors',
  'InvocationServerErrors',
  'InvocationThrottles',
  'InputTokenCount',
  'OutputTokenCount',
  'CacheReadInputTokenCount',
  'CacheWriteInputTokenCount',
  'EstimatedTPMQuotaUsage',
  'OutputImageCount',
  'LegacyModelInvocations',
] as const;

export type BedrockMetric = (typeof BEDROCK_METRICS)[number];

export const STAT = /^(Sum|Average|SampleCount|Minimum|Maximum|p\d{1,2}(\.\d+)?)$/;

/** Counting metrics (everything but the two timings): their natural statistic is Sum, and an idle minute means 0. */
export const COUNT_METRICS = new Set<string>(BEDROCK_METRICS.filter((m) => m !== 'InvocationLatency' && m !== 'TimeToFirstToken'));
