/**
 * The per-deployment stream-key secret in the table (dynalite through the real SDK client): made once
 * (two concurrent first ticks agree), read back by the ack side, never made by it.
 */
import { StreamKeys } from '../../shared/core/stream-keys';
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
});
