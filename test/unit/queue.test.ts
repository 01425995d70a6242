import { describe, expect, it } from 'vitest';
import { byteSize, SendQueue } from '../../src/queue';

describe('byteSize', () => {
  it('counts UTF-8 bytes of strings', () => {
    expect(byteSize('a')).toBe(1);
    expect(byteSize('é')).toBe(2);
    expect(byteSize('€')).toBe(3);
    expect(byteSize('😀')).toBe(4);
    expect(byteSize('a€😀')).toBe(8);
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
