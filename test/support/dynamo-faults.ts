/**
 * DynamoDB faults injected at the SDK client (a middleware on the client's stack), so the store's
 * real commands still go to dynalite and come back through the real (de)serialisers:
 *
 * - `unprocessed`: BatchGetItem answers with some of the requested keys moved to UnprocessedKeys
 *   (what DynamoDB does when a partition is throttled), for `times` calls;
 * - `throttle`: a command fails with ProvisionedThroughputExceededException before reaching the
 *   table (after the SDK's own retries), for `times` calls;
 * - `conditionalFailure`: an UpdateItem whose key matches fails with ConditionalCheckFailedException
 *   without being applied (a concurrent writer got there first).
 *
 * Added at the `initialize` step, outside the SDK's retry middleware: what it injects is what the
 * store sees after the SDK has given up.
 */
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';

/** Keys as the document client holds them at this step (plain), or marshalled (a plain DynamoDBClient). */
type Key = { pk?: string | { S?: string }; sk?: string | { S?: string } };
const skOf = (k: Key): string => (typeof k.sk === 'string' ? k.sk : (k.sk?.S ?? ''));

interface Rule {
  command: string;
  times: number;
  /** For BatchGetItem: which sort keys to leave unprocessed; for the others: which key the fault hits. */
  match: (sk: string) => boolean;
  kind: 'unprocessed' | 'throttle' | 'conditional';
}

export interface DynamoFaults {
  /** Leaves the keys matching `match` unprocessed in the next `times` BatchGetItem calls. */
  unprocessed(match: (sk: string) => boolean, times?: number): void;
  /** Fails the next `times` calls of `command` (e.g. 'UpdateItemCommand') with a throttling error. */
  throttle(command: string, times?: number, match?: (sk: string) => boolean): void;
  /** Fails the next `times` UpdateItem calls on a key matching `match` with ConditionalCheckFailedException. */
  conditionalFailure(match: (sk: string) => boolean, times?: number): void;
  /** Faults injected so far, by kind. */
  readonly injected: Record<'unprocessed' | 'throttle' | 'conditional', number>;
  clear(): void;
  /** Takes the middleware off the client. */
  remove(): void;
}

let installed = 0;

export function injectDynamoFaults(client: DynamoDBClient): DynamoFaults {
  const rules: Rule[] = [];
  const injected = { unprocessed: 0, throttle: 0, conditional: 0 };
  const name = `bw-dynamo-faults-${++installed}`;
  const take = (command: string, kinds: Rule['kind'][], sks: string[]): Rule | undefined => {
    const rule = rules.find((r) => r.times > 0 && r.command === command && kinds.includes(r.kind) && sks.some(r.match));
    if (rule) rule.times--;
    return rule;
  };
  const fail = (errorName: string, message: string) =>
    Object.assign(new Error(message), { name: errorName, $fault: 'client', $metadata: { httpStatusCode: 400 } });

  client.middlewareStack.add(
    (next, context) => async (args) => {
      const command = (context as { commandName?: string }).commandName ?? '';
      const input = args.input as { Key?: Key; RequestItems?: Record<string, { Keys?: Key[] }> };
      const sks = command === 'BatchGetItemCommand' ? Object.values(input.RequestItems ?? {}).flatMap((t) => (t.Keys ?? []).map(skOf)) : [input.Key ? skOf(input.Key) : ''];
      const throttled = take(command, ['throttle'], sks);
      if (throttled) {
        injected.throttle++;
        throw fail('ProvisionedThroughputExceededException', 'The level of configured provisioned throughput for the table was exceeded (injected)');
      }
      if (command === 'UpdateItemCommand' && take(command, ['conditional'], sks)) {
        injected.conditional++;
        throw fail('ConditionalCheckFailedException', 'The conditional request failed (injected)');
      }
      const rule = command === 'BatchGetItemCommand' ? take(command, ['unprocessed'], sks) : undefined;
      const result = await next(args);
      if (!rule) return result;
      // Move the matching items out of the answer and into UnprocessedKeys, as DynamoDB does.
      const output = result.output as { Responses?: Record<string, Key[]>; UnprocessedKeys?: Record<string, { Keys: Key[] }> };
      for (const [table, items] of Object.entries(output.Responses ?? {})) {
        const left = items.filter((i) => !rule.match(skOf(i)));
        const moved = items.filter((i) => rule.match(skOf(i)));
        if (!moved.length) continue;
        injected.unprocessed += moved.length;
        output.Responses![table] = left;
        output.UnprocessedKeys ??= {};
        output.UnprocessedKeys[table] = { Keys: [...(output.UnprocessedKeys[table]?.Keys ?? []), ...moved.map((i) => ({ pk: i.pk!, sk: i.sk! }))] };
      }
      return result;
    },
    { step: 'initialize', name },
  );

  return {
    unprocessed: (match, times = 1) => void rules.push({ command: 'BatchGetItemCommand', times, match, kind: 'unprocessed' }),
    throttle: (command, times = 1, match = () => true) => void rules.push({ command, times, match, kind: 'throttle' }),
    conditionalFailure: (match, times = 1) => void rules.push({ command: 'UpdateItemCommand', times, match, kind: 'conditional' }),
    injected,
    clear: () => void rules.splice(0),
    remove: () => void client.middlewareStack.remove(name),
  };
}
