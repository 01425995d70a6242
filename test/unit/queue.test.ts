import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { byteSize, SendQueue } from '../../src/core/queue';

describe('byteSize', () => {
  it('counts UTF-8 bytes of strings', () => {
    expect(byteSize('a')).toBe(1);
    expect(byteSize('é')).toBe(2);
    expect(byteSize('€')).toBe(3);
    expect(byteSize('😀')).toBe(4);
    expect(byteSize('a€😀')).toBe(8);
  });

  it('counts a lone surrogate as the 3 bytes of U+FFFD it becomes on the wire, a valid pair as 4', () => {
    expect(byteSize('\uD800')).toBe(3);
    expect(byteSize('\uDC00')).toBe(3);
    expect(byteSize('\uDE00\uD83D')).toBe(6);
    expect(byteSize('a\uD800b')).toBe(5);
    expect(byteSize('\uD800'.repeat(50))).toBe(150);
  });

  it('agrees with TextEncoder on every string of UTF-16 units', () => {
    const units = fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 40 });
    fc.assert(
      fc.property(units, (codes) => {
        const text = String.fromCharCode(...codes);
        return byteSize(text) === new TextEncoder().encode(text).length;
      }),
    );
  });

  it('counts each UTF-8 length from its first code point: 1 byte to U+007F, 2 to U+07FF, 3 to U+FFFF, then 4', () => {
    const lengths = [0x7f, 0x80, 0x7ff, 0x800, 0xffff, 0x10000].map((code) => byteSize(String.fromCodePoint(code)));
    expect(lengths).toEqual([1, 2, 2, 3, 3, 4]);
  });

  it('counts binary data by its length', () => {
    expect(byteSize(new ArrayBuffer(5))).toBe(5);
    expect(byteSize(new Uint16Array(3))).toBe(6);
    expect(byteSize(new Blob(['abc']))).toBe(3);
  });
});

describe('SendQueue', () => {
  it('rejects the new message when the count bound is reached', () => {
    const queue = new SendQueue(2, 100, 'reject');
    expect(queue.push('a')).toEqual([]);
    expect(queue.push('b')).toEqual([]);
    expect(queue.push('c')).toEqual(['c']);
    expect(queue.items).toEqual(['a', 'b']);
  });

  it('rejects the new message when the byte bound would be passed', () => {
    const queue = new SendQueue(10, 5, 'reject');
    expect(queue.push('abc')).toEqual([]);
    expect(queue.push('def')).toEqual(['def']);
    expect(queue.push('de')).toEqual([]);
    expect(queue.bytes).toBe(5);
  });

  it('drops the oldest messages to make room under drop-oldest', () => {
    const queue = new SendQueue(10, 6, 'drop-oldest');
    queue.push('ab');
    queue.push('cd');
    queue.push('ef');
    expect(queue.push('ghij')).toEqual(['ab', 'cd']);
    expect(queue.items).toEqual(['ef', 'ghij']);
    expect(queue.bytes).toBe(6);
  });

  it('drops a message larger than the byte bound whatever the policy', () => {
    const queue = new SendQueue(10, 3, 'drop-oldest');
    queue.push('ab');
    expect(queue.push('abcd')).toEqual(['abcd']);
    expect(queue.items).toEqual(['ab']);
  });

  it('takes a message of exactly the byte bound, and messages up to exactly the count bound', () => {
    expect(new SendQueue(10, 3, 'reject').push('abc')).toEqual([]);
    const queue = new SendQueue(1, 100, 'reject');
    expect(queue.push('a')).toEqual([]);
    expect(queue.push('b')).toEqual(['b']);
    expect(queue.items).toEqual(['a']);
  });

  it('is empty after clear(), and counts from zero again', () => {
    const queue = new SendQueue(1, 100, 'drop-oldest');
    queue.push('one');
    expect(queue.clear()).toEqual(['one']);
    expect(queue.items).toEqual([]);
    expect(queue.bytes).toBe(0);
    queue.push('ab');
    expect(queue.push('cde')).toEqual(['ab']);
    expect(queue.items).toEqual(['cde']);
    expect(queue.bytes).toBe(3);
  });

  it('keeps nothing with a zero count bound', () => {
    expect(new SendQueue(0, 100, 'drop-oldest').push('a')).toEqual(['a']);
  });

  it('returns messages oldest first and keeps the byte count', () => {
    const queue = new SendQueue(10, 100, 'reject');
    queue.push('one');
    queue.push('three');
    expect(queue.shift()).toBe('one');
    expect(queue.bytes).toBe(5);
    expect(queue.shift()).toBe('three');
    expect(queue.shift()).toBeUndefined();
    expect(queue.bytes).toBe(0);
  });
});
