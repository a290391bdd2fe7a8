/**
 * The per-deployment stream-key secret in the table (dynalite through the real SDK client): made once
 * (two concurrent first ticks agree), read back by the ack side, never made by it.
 */
import { StreamKeys } from '../../shared/core/stream-keys';
import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Table } from '../../shared/dynamo/table';
import { ensureStreamSecret, LEGACY_MARGIN_MS, readStreamSecret, tableStreamKeys } from '../../shared/state/stream-secret';
import { useDynamo } from '../support/dynamo';
import { freshTable } from '../support/evaluate-harness';

const NOW = Date.parse('2026-10-05T16:00:00.000Z');

describe('stream secret in the table', () => {
  const db = useDynamo();

  it('is made once: concurrent first uses agree on one secret, later ones read it', async () => {
    const table = await freshTable(db().client);
    expect(await readStreamSecret(table)).toBeNull();
    const made = await Promise.all([ensureStreamSecret(table, NOW), ensureStreamSecret(table, NOW + 1), ensureStreamSecret(table, NOW + 2)]);
    expect(new Set(made.map((s) => s.secret)).size).toBe(1);
    expect(made[0].secret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await ensureStreamSecret(table, NOW + 3_600_000)).toEqual(made[0]);
    expect(await readStreamSecret(table)).toEqual(made[0]);
    expect(made[0].legacyBefore).toBeGreaterThanOrEqual(NOW - LEGACY_MARGIN_MS);
  });

  it('differs between deployments (tables)', async () => {
    const [a, b] = [await freshTable(db().client), await freshTable(db().client)];
    expect((await ensureStreamSecret(a, NOW)).secret).not.toBe((await ensureStreamSecret(b, NOW)).secret);
  });

  it('the ack side never makes it, and looks again while it is missing', async () => {
    const table = await freshTable(db().client);
    const ackKeys = tableStreamKeys(table, { create: false });
    expect((await ackKeys()).signed).toBe(false);
    expect(await readStreamSecret(table)).toBeNull();
    const secret = await ensureStreamSecret(table, NOW);
    const k = await ackKeys();
    expect(k.signed).toBe(true);
    expect(k.external('g0@1791900000000')).toBe(new StreamKeys(secret).external('g0@1791900000000'));
  });

  it('is made with its creation time, and streams formed up to ten minutes before keep their old keys', async () => {
    const table = await freshTable(db().client);
    const made = await ensureStreamSecret(table, NOW);
    expect(made.legacyBefore).toBe(NOW - 10 * 60_000);
    const { Items } = await table.doc.send(new QueryCommand({ TableName: table.name, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': 'SECRET' } }));
    expect(Items).toEqual([{ pk: 'SECRET', sk: 'STREAM_KEYS', ...made, createdAt: new Date(NOW).toISOString() }]);
  });

  it.each([
    ['a short secret', { secret: 'x'.repeat(31), legacyBefore: 0 }],
    ['a secret that is no string', { secret: 42, legacyBefore: 0 }],
    ['no legacyBefore', { secret: 'x'.repeat(43) }],
  ])('refuses a malformed item (%s), naming it', async (_case, fields) => {
    const table = await freshTable(db().client);
    await table.doc.send(new PutCommand({ TableName: table.name, Item: { pk: 'SECRET', sk: 'STREAM_KEYS', ...fields } }));
    await expect(readStreamSecret(table)).rejects.toThrow(`table ${table.name}: item SECRET/STREAM_KEYS is malformed (secret, legacyBefore)`);
  });

  it('reads a secret of exactly 32 characters', async () => {
    const table = await freshTable(db().client);
    await table.doc.send(new PutCommand({ TableName: table.name, Item: { pk: 'SECRET', sk: 'STREAM_KEYS', secret: 'y'.repeat(32), legacyBefore: 5 } }));
    expect(await readStreamSecret(table)).toEqual({ secret: 'y'.repeat(32), legacyBefore: 5 });
  });

  it('passes on a failed write, and a lost race whose winner cannot be read', async () => {
    const table = await freshTable(db().client);
    const real = table.doc.send.bind(table.doc);
    const failingPut = (name: string): Table => ({
      name: table.name,
      doc: {
        send: async (cmd: { constructor: { name: string } }) => {
          if (cmd.constructor.name === 'PutCommand') throw Object.assign(new Error(name), { name });
          return real(cmd as never);
        },
      } as never,
    });
    await expect(ensureStreamSecret(failingPut('ThrottlingException'), NOW)).rejects.toThrow('ThrottlingException');
    await expect(ensureStreamSecret(failingPut('ConditionalCheckFailedException'), NOW)).rejects.toThrow('ConditionalCheckFailedException');
    expect(await readStreamSecret(table)).toBeNull();
  });

  it('the evaluate side makes it on first use with its clock, then keeps the keys for the container’s life', async () => {
    const table = await freshTable(db().client);
    let queries = 0;
    const real = table.doc.send.bind(table.doc);
    const counting: Table = { name: table.name, doc: { send: async (cmd: never) => (queries++, real(cmd)) } as never };
    const keys = tableStreamKeys(counting, { create: true, now: () => NOW });
    const k = await keys();
    expect(k.signed).toBe(true);
    expect((await readStreamSecret(table))?.legacyBefore).toBe(NOW - LEGACY_MARGIN_MS);
    const used = queries;
    expect(await keys()).toBe(k);
    expect(queries).toBe(used);
  });

  it('a failed read is tried again next time, not kept', async () => {
    const table = await freshTable(db().client);
    await ensureStreamSecret(table, NOW);
    const real = table.doc.send.bind(table.doc);
    let fail = true;
    const flaky: Table = { name: table.name, doc: { send: async (cmd: never) => (fail ? Promise.reject(new Error('timeout')) : real(cmd)) } as never };
    const keys = tableStreamKeys(flaky, { create: false });
    await expect(keys()).rejects.toThrow('timeout');
    fail = false;
    expect((await keys()).signed).toBe(true);
  });

  it('reads consistently (a lost race must see the winner), and writes nothing once the secret exists', async () => {
    const table = await freshTable(db().client);
    const made = await ensureStreamSecret(table, NOW);
    const sent: { name: string; input: { ConsistentRead?: boolean } }[] = [];
    const real = table.doc.send.bind(table.doc);
    const spying: Table = { name: table.name, doc: { send: async (cmd: { constructor: { name: string }; input: object }) => (sent.push({ name: cmd.constructor.name, input: cmd.input }), real(cmd as never)) } as never };
    expect(await ensureStreamSecret(spying, NOW + 60_000)).toEqual(made);
    expect(await readStreamSecret(spying)).toEqual(made);
    expect(sent.map((c) => c.name)).toEqual(['QueryCommand', 'QueryCommand']);
    expect(sent.every((c) => c.input.ConsistentRead === true)).toBe(true);
  });
});
