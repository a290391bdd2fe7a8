/** `us.anthropic.claude…`, `global.…`: cross-region inference profile prefixes. */
const GEO_PREFIX = /^(?:us|us-gov|eu|apac|jp|au|ca|global)\./;

/** `arn:…:foundation-model/anthropic.claude…` or `arn:…:inference-profile/us.meta.llama…` → `anthropic.claude…`. */
export function baseModelId(modelId: string): string {
  const id = modelId.startsWith('arn:') ? modelId.slice(modelId.lastIndexOf('/') + 1) : modelId;
  return id.replace(GEO_PREFIX, '');
}
