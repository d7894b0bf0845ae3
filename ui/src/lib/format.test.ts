import { describe, expect, it } from 'vitest';
import { age, byCount, parseQuantity, quantity, readiness, share, timestamp } from './format';

describe('formatting', () => {
  it('reads readiness as the fleet summary does: Unknown health first, then readyz', () => {
    expect(readiness({ readyz: true, conditions: [{ type: 'Ready', status: 'True' }] })).toBe('Ready');
    expect(readiness({ readyz: false })).toBe('NotReady');
    expect(readiness({ readyz: true, conditions: [{ type: 'Ready', status: 'Unknown' }] })).toBe('Unknown');
    expect(readiness({ conditions: [{ type: 'Ready', status: 'False' }] })).toBe('NotReady');
    expect(readiness({})).toBe('Unknown');
    expect(readiness(undefined)).toBe('Unknown');
  });

  it("prints ages as kubectl does", () => {
    const now = Date.parse('2024-05-10T12:00:00Z');
    expect(age('2024-05-10T11:59:15Z', now)).toBe('45s');
    expect(age('2024-05-10T11:00:00Z', now)).toBe('60m');
    expect(age('2024-05-09T12:00:00Z', now)).toBe('24h');
    expect(age('2024-05-01T12:00:00Z', now)).toBe('9d');
    expect(age(undefined, now)).toBe('—');
  });

  it('prints times in UTC, keeping milliseconds', () => {
    expect(timestamp('2024-05-10T12:00:00Z')).toBe('2024-05-10 12:00:00 UTC');
    expect(timestamp('2024-05-10T12:00:00.123456Z')).toBe('2024-05-10 12:00:00.123 UTC');
  });

  it('reads and prints Kubernetes quantities', () => {
    expect(parseQuantity('1536Mi')).toBe(1536 * 2 ** 20);
    expect(parseQuantity('500m')).toBe(0.5);
    expect(parseQuantity('1e3')).toBe(1000);
    expect(parseQuantity('12')).toBe(12);
    expect(Number.isNaN(parseQuantity('lots'))).toBe(true);
    expect(quantity('memory', '48Gi')).toBe('48 GiB');
    expect(quantity('memory', '1536Mi')).toBe('1.5 GiB');
    expect(quantity('cpu', '11500m')).toBe('11.5 cores');
    expect(quantity('pods', '110')).toBe('110');
    expect(quantity('cpu', undefined)).toBe('—');
  });

  it('shares and sorted counts', () => {
    expect(share(2, 3)).toBe('2 of 3 (66%)');
    expect(share(0, 0)).toBe('0');
    expect(byCount({ b: 2, a: 2, c: 5 })).toEqual([['c', 5], ['a', 2], ['b', 2]]);
  });
});
