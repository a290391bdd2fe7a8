import { count, millis, pct, times, usd } from '../../shared/core/format';

describe('format: how values read in alert text', () => {
  it('gives percentages a precision that follows their magnitude, whatever their sign', () => {
    expect(pct(0.35)).toBe('35%');
    expect(pct(-0.35)).toBe('-35%');
    expect(pct(0.042)).toBe('4.2%');
    expect(pct(-0.042)).toBe('-4.2%');
    expect(pct(0.0042)).toBe('0.42%');
    expect(pct(-0.0042)).toBe('-0.42%');
    expect(pct(0.1)).toBe('10%');
    expect(pct(0.01)).toBe('1.0%');
  });

  it('reads durations, counts, dollars and ratios in their natural units', () => {
    expect(millis(250.4)).toBe('250 ms');
    expect(millis(1500)).toBe('1.5 s');
    expect(millis(12_000)).toBe('12 s');
    expect(count(999)).toBe('999');
    expect(count(12_345)).toBe('12k');
    expect(count(2_500_000)).toBe('2.5M');
    expect(usd(3.456)).toBe('$3.46');
    expect(usd(123.4)).toBe('$123');
    expect(times(2.345)).toBe('2.3×');
    expect(times(12.3)).toBe('12×');
  });
});
