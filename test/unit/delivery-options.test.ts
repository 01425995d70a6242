// The delivery feature's options: their defaults, their checks, and custom wire formats.

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { delivery, deliveryDefaults } from '../../src/features/delivery';
import { hostFor } from './delivery-host';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('options', () => {
  it('documents the defaults it uses', () => {
    expect(deliveryDefaults).toMatchObject({
      maxMessages: 1000,
      maxBytes: 1_048_576,
      maxStreams: 256,
      ackTimeout: 10_000,
      maxResends: 3,
    });
  });

  it('refuses bad options with an InvalidArgumentError naming the option', () => {
    for (const [name, value] of [
      ['maxMessages', -1],
      ['maxBytes', 1.5],
      ['ackTimeout', 2 ** 31],
      ['ackTimeout', Number.NaN],
      ['maxResends', '3'],
      ['storage', {}],
      ['storage', null],
      ['wrap', 'json'],
      ['position', null],
    ] as const) {
      expect(() => delivery({ [name]: value })).toThrow(
        expect.objectContaining({ name: 'InvalidArgumentError', argument: name }),
      );
    }
    expect(() => delivery({ maxResends: Infinity, ackTimeout: 0, maxBytes: 0 })).not.toThrow();
  });

  it('takes a custom wrap and ackOf, and an option given as undefined keeps its default', async () => {
    const feature = delivery<string>({
      wrap: (data, id) => `${id}|${data}`,
      ackOf: (data) => (typeof data === 'string' && data.startsWith('ok ') ? data.slice(3) : undefined),
      maxMessages: undefined,
    });
    const link = hostFor(feature);
    link.open();
    const sending = feature.deliver('hello');
    expect(link.wire).toEqual([`${sending.id}|hello`]);
    expect(link.receive(`ok ${sending.id}`)).toBe(true);
    await expect(sending).resolves.toBeUndefined();
    for (let index = 0; index < 1000; index++) feature.deliver('x');
    await expect(feature.deliver('y')).rejects.toMatchObject({ reason: 'overflow' });
  });
});
