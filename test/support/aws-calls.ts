/**
 * The AWS calls a function's deployable code can make, read from its esbuild bundle (as
 * serverless.yml bundles it, tree-shaken, not minified so names survive): every `new …Command(`
 * and Powertools `getParameter(` left in the project's own modules, as IAM actions. What the
 * bundle cannot call, the function's role must not grant; what it can, the role must.
 */
import { build } from 'esbuild';
import { join } from 'node:path';

const ACTIONS: Record<string, string> = {
  Get: 'dynamodb:GetItem',
  Put: 'dynamodb:PutItem',
  Update: 'dynamodb:UpdateItem',
  Delete: 'dynamodb:DeleteItem',
  Query: 'dynamodb:Query',
  Scan: 'dynamodb:Scan',
  BatchGet: 'dynamodb:BatchGetItem',
  BatchWrite: 'dynamodb:BatchWriteItem',
  GetMetricData: 'cloudwatch:GetMetricData',
  ListMetrics: 'cloudwatch:ListMetrics',
  Publish: 'sns:Publish',
  GetParameter: 'ssm:GetParameter',
  AssumeRole: 'sts:AssumeRole',
};

/** IAM actions for the calls in `entry`'s bundle; a command with no known action comes back as `unknown:<Name>Command`. */
export async function awsCallsOf(root: string, entry: string): Promise<string[]> {
  const out = await build({
    entryPoints: [join(root, entry)],
    bundle: true,
    write: false,
    platform: 'node',
    format: 'cjs',
    target: 'node22',
    mainFields: ['module', 'main'],
    treeShaking: true,
    outfile: join(root, '.esbuild-calls', 'out.js'),
    logLevel: 'silent',
  });
  const calls = new Set<string>();
  // esbuild starts each module's code with a `// path` comment.
  for (const segment of out.outputFiles[0].text.split(/^\/\/ (?=\S+\.[cm]?[jt]s$)/m)) {
    const path = segment.slice(0, segment.indexOf('\n'));
    if (path.includes('node_modules')) continue;
    for (const m of segment.matchAll(/new (?:[\w$]+\.)?(\w+?)(?:Item)?Command\d*\(/g)) calls.add(ACTIONS[m[1]] ?? `unknown:${m[1]}Command`);
    if (/\bgetParameter\d*\)?\(/.test(segment)) calls.add(ACTIONS.GetParameter);
  }
  return [...calls].sort();
}
