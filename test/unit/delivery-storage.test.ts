// The delivery outbox in storage: saved on every change, checked when loaded, and delivered
// after a reload with the same ids.

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  delivery,
  localStorageOutbox,
  memoryOutbox,
  type OutboxStorage,
  readOutbox,
} from '../../src/features/delivery';
import { hostFor, ids } from './delivery-host';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
  localStorage.clear();
});

/** Lets the feature save: it does so once the current synchronous code has run. */
const saved = () => Promise.resolve();

/** A Web Storage stand-in. */
function fakeStorage(initial: Record<string, string> = {}) {
  const items = new Map(Object.entries(initial));
  return {
    items,
    getItem: (name: string) => items.get(name) ?? null,
    setItem: (name: string, value: string) => void items.set(name, value),
  };
}

describe('saving', () => {
  it('saves the counter and the pending messages after every change', async () => {
    const storage = memoryOutbox();
    const feature = delivery({ storage });
    const link = hostFor(feature);
    link.open();
    const a = feature.deliver({ text: 'a' }).id;
    const b = feature.deliver({ text: 'b' }).id;
    await saved();
    expect(storage.saved).toEqual({
      next: 2,
      items: [
        [a, { text: 'a' }],
        [b, { text: 'b' }],
      ],
    });
    link.receive(`{"ack":"${a}"}`);
    await saved();
    expect(storage.saved?.items).toEqual([[b, { text: 'b' }]]);
    feature.close();
    await saved();
    expect(storage.saved).toEqual({ next: 2, items: [] });
  });

  it('writes a burst of changes once', async () => {
    const storage = memoryOutbox();
    const save = vi.spyOn(storage, 'save');
    const feature = delivery({ storage });
    for (let index = 0; index < 100; index++) feature.deliver(index);
    expect(save).not.toHaveBeenCalled();
    await saved();
    expect(save).toHaveBeenCalledTimes(1);
    expect(storage.saved?.items).toHaveLength(100);
  });

  it('keeps the counter once the outbox is empty, so a page that draws the same key never repeats an id', async () => {
    const storage = memoryOutbox();
    const first = delivery({ storage });
    hostFor(first).open();
    first.deliver('a');
    first.close();
    await saved();
    const second = delivery({ storage });
    hostFor(second);
    expect(second.deliver('b').id).toBe('iiiiiiiiii.1');
  });

  it('carries on when the storage throws or rejects', async () => {
    vi.useRealTimers();
    const unhandled = vi.fn();
    process.on('unhandledRejection', unhandled);
    const storage: OutboxStorage = {
      load: () => {
        throw new Error('blocked');
      },
      save: () => Promise.reject(new Error('quota')),
    };
    const feature = delivery({ storage });
    hostFor(feature);
    expect(feature.deliver('a').id).toBe('iiiiiiiiii.0');
    const throwing = delivery({
      storage: {
        load: () => undefined,
        save: () => {
          throw new Error('quota');
        },
      },
    });
    expect(() => throwing.deliver('a')).not.toThrow();
    await new Promise((resolve) => setImmediate(resolve));
    process.off('unhandledRejection', unhandled);
    expect(unhandled).not.toHaveBeenCalled();
  });
});

describe('loading', () => {
  it('reads back what it saved', () => {
    const saved = {
      next: 5,
      items: [
        ['abc.3', 1],
        ['abc.4', { x: [2] }],
      ],
    };
    expect(readOutbox(JSON.parse(JSON.stringify(saved)))).toEqual(saved);
  });

  it('refuses what has no usable counter, and never throws', () => {
    for (const value of [
      undefined,
      null,
      'text',
      42,
      [],
      {},
      { items: [] },
      { next: -1, items: [] },
      { next: 1.5, items: [] },
      { next: '3', items: [] },
      { next: 2 ** 53, items: [] },
    ]) {
      expect(readOutbox(value)).toBeUndefined();
    }
  });

  it('leaves out items that are not [id, data], and counts past every kept id', () => {
    const value = {
      next: 1,
      items: [['abc.z', 'kept'], 'junk', null, [7, 'x'], ['other.zz', 'kept'], ['abc.1', 'kept too'], {}],
    };
    expect(readOutbox(value)).toEqual({
      next: 1296,
      items: [
        ['abc.z', 'kept'],
        ['other.zz', 'kept'],
        ['abc.1', 'kept too'],
      ],
    });
    expect(readOutbox({ next: 0, items: 'nope' })).toEqual({ next: 0, items: [] });
    // A counter past what a number holds exactly, or none at all, moves nothing.
    const odd = [
      ['k.zzzzzzzzzzzzzzzz', 1],
      ['no-dot', 2],
      ['k.', 3],
    ];
    expect(readOutbox({ next: 4, items: odd })).toEqual({ next: 4, items: odd });
  });

  it('starts afresh on corrupt Web Storage data', () => {
    for (const stored of ['{not json', '"text"', 'null', '{"next":2,"items":[["abc.1"']) {
      const storage = fakeStorage({ outbox: stored });
      const feature = delivery({ storage: localStorageOutbox('outbox', storage) });
      expect(feature.pending).toEqual([]);
      hostFor(feature);
      expect(feature.deliver('a').id).toBe('iiiiiiiiii.0');
    }
  });

  it('goes on with the stored counter under a key of its own', () => {
    const storage = memoryOutbox();
    storage.saved = { next: 7, items: [['abc.5', 'a']] };
    const feature = delivery({ storage });
    hostFor(feature);
    expect(feature.deliver('b').id).toBe('iiiiiiiiii.7');
  });

  it('loads no more than the bounds allow', () => {
    const storage = memoryOutbox();
    storage.saved = {
      next: 3,
      items: [
        ['abc.0', 'a'],
        ['abc.1', 'b'],
        ['abc.2', 'c'],
      ],
    };
    expect(delivery({ storage, maxMessages: 2 }).pending.map((message) => message.id)).toEqual(['abc.0', 'abc.1']);
  });

  it('writes back what it kept, once, and nothing when it found nothing', async () => {
    const storage = memoryOutbox();
    storage.saved = { next: 1, items: [['abc.0', 'a'], 'corrupt', ['abc.4', 'b']] as never };
    const save = vi.spyOn(storage, 'save');
    delivery({ storage });
    await saved();
    expect(save).toHaveBeenCalledTimes(1);
    expect(storage.saved).toEqual({
      next: 5,
      items: [
        ['abc.0', 'a'],
        ['abc.4', 'b'],
      ],
    });
    const empty = memoryOutbox();
    const none = vi.spyOn(empty, 'save');
    delivery({ storage: empty });
    await saved();
    expect(none).not.toHaveBeenCalled();
  });
});

describe('reload', () => {
  it('delivers messages sent while offline after a reload, with the same ids and frames', async () => {
    // The first page: offline, the app sends two messages, then the page goes away.
    const before = delivery({ storage: localStorageOutbox('chat') });
    hostFor(before);
    const sent = [before.deliver({ text: 'one' }).id, before.deliver({ text: 'two' }).id];
    await saved();
    // The page after the reload, on the same storage.
    const after = delivery({ storage: localStorageOutbox('chat') });
    expect(after.pending.map(({ id, data, state }) => ({ id, data, state }))).toEqual([
      { id: sent[0], data: { text: 'one' }, state: 'queued' },
      { id: sent[1], data: { text: 'two' }, state: 'queued' },
    ]);
    const link = hostFor(after);
    const next = after.deliver({ text: 'three' }).id;
    link.open();
    expect(link.wire).toEqual([
      `{"id":"${sent[0]}","data":{"text":"one"}}`,
      `{"id":"${sent[1]}","data":{"text":"two"}}`,
      `{"id":"${next}","data":{"text":"three"}}`,
    ]);
    expect(next).toBe('iiiiiiiiii.2');
    const states: string[] = [];
    after.on('state', (id, state) => states.push(`${id} ${state}`));
    link.receive(JSON.stringify({ ack: [sent[0], sent[1]] }));
    await saved();
    expect(states).toEqual([`${sent[0]} acked`, `${sent[1]} acked`]);
    expect(JSON.parse(localStorage.getItem('chat') as string).items).toEqual([[next, { text: 'three' }]]);
    // A third page sees only what is still unacked.
    expect(ids(hostFor(delivery({ storage: localStorageOutbox('chat') })).wire)).toEqual([]);
    expect(delivery({ storage: localStorageOutbox('chat') }).pending.map((message) => message.id)).toEqual([next]);
  });

  it('uses the Web Storage given, under the name given', async () => {
    const storage = fakeStorage();
    const feature = delivery({ storage: localStorageOutbox('tab-1', storage) });
    hostFor(feature);
    feature.deliver('a');
    await saved();
    expect(JSON.parse(storage.items.get('tab-1') as string).items).toEqual([['iiiiiiiiii.0', 'a']]);
    expect(localStorage.length).toBe(0);
  });
});
