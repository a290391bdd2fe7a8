// Tests never reach AWS: no real credentials, no real region endpoints.
process.env.AWS_ACCESS_KEY_ID = 'test';
process.env.AWS_SECRET_ACCESS_KEY = 'test';
process.env.AWS_REGION = 'us-east-1';
delete process.env.AWS_PROFILE;
delete process.env.AWS_SESSION_TOKEN;
process.env.POWERTOOLS_LOG_LEVEL = process.env.POWERTOOLS_LOG_LEVEL ?? 'SILENT';
// The real handlers write EMF metrics to stdout; tests that check them turn them back on.
process.env.POWERTOOLS_METRICS_DISABLED = process.env.POWERTOOLS_METRICS_DISABLED ?? 'true';
