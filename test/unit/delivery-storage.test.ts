// The delivery outbox in storage: saved on every change, checked when loaded, and delivered
// after a reload with the same ids.

import { EventEmitter } from 'eventemitter3';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { delivery, localStorageOutbox, type OutboxStorage, readOutbox } from '../../src/features/delivery';
import { hostFor, ids, memoryOutbox } from './delivery-host';

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
  it('saves the pending messages after every change', async () => {
    const storage = memoryOutbox();
    const feature = delivery({ storage });
    const link = hostFor(feature);
    link.open();
    const a = feature.deliver({ text: 'a' }).id;
    const b = feature.deliver({ text: 'b' }).id;
    await saved();
    expect(storage.saved).toEqual({
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
    expect(storage.saved).toEqual({ items: [] });
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
    expect(feature.deliver('a').id).toMatch(/^[0-9a-v]{20}$/);
    expect(feature.stats.lost).toBe(0);
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
      items: [
        ['k3x9q2ab0cde3fgh4ij5', 1],
        ['k3x9q2ab0cde3fgh4ij6', { x: [2] }],
      ],
    };
    expect(readOutbox(JSON.parse(JSON.stringify(saved)))).toEqual({ ...saved, dropped: 0 });
  });

  it('finds nothing in what is no outbox, and never throws', () => {
    for (const value of [undefined, null, 'text', 42, [], {}, { items: [] }, { items: undefined }]) {
      expect(readOutbox(value)).toEqual({ items: [], dropped: 0 });
    }
  });

  it('leaves out items that are not [id, data], and counts them', () => {
    const value = {
      items: [['abc.z', 'kept'], 'junk', null, [7, 'x'], ['other.zz', 'kept'], ['abc.1', 'kept too'], {}],
    };
    expect(readOutbox(value)).toEqual({
      items: [
        ['abc.z', 'kept'],
        ['other.zz', 'kept'],
        ['abc.1', 'kept too'],
      ],
      dropped: 4,
    });
    expect(readOutbox({ items: 'nope' })).toEqual({ items: [], dropped: 0 });
  });

  it('looks at no more items than the bound, however many are stored', () => {
    const items = Array.from({ length: 300_000 }, (_, n) => [`id.${n}`, n]);
    const get = vi.fn();
    // Every item read is counted: a proxy over the stored array sees each index looked at.
    const watched = new Proxy(items, {
      get(target, key, receiver) {
        if (typeof key === 'string' && /^\d+$/.test(key)) get();
        return Reflect.get(target, key, receiver);
      },
    });
    const { items: kept, dropped } = readOutbox({ items: watched }, 1000);
    expect(kept).toHaveLength(1000);
    expect(dropped).toBe(299_000);
    expect(get.mock.calls.length).toBeLessThanOrEqual(1000);
  });
  it('starts afresh on corrupt Web Storage data', () => {
    for (const stored of ['{not json', '"text"', 'null', '{"next":2,"items":[["abc.1"']) {
      const storage = fakeStorage({ outbox: stored });
      const feature = delivery({ storage: localStorageOutbox('outbox', storage) });
      expect(feature.pending).toEqual([]);
      hostFor(feature);
      expect(feature.deliver('a').id).toMatch(/^[0-9a-v]{20}$/);
    }
  });

  it('loads no more than the bounds allow, and says how many it left out', () => {
    const storage = memoryOutbox();
    storage.saved = {
      items: [
        ['abc.0', 'a'],
        ['abc.1', 'b'],
        ['abc.2', 'c'],
      ],
    };
    const feature = delivery({ storage, maxMessages: 2 });
    expect(feature.pending.map((message) => message.id)).toEqual(['abc.0', 'abc.1']);
    expect(feature.stats.lost).toBe(1);
    // By bytes too: each frame is 26 bytes, {"id":"abc.0","data":"a"}.
    const byBytes = delivery({ storage, maxBytes: 55 });
    expect(byBytes.pending.map((message) => message.id)).toEqual(['abc.0', 'abc.1']);
    expect(byBytes.stats.lost).toBe(1);
  });

  it('builds nothing for items it leaves out: no promise, no error, no event before any listener', () => {
    const storage = memoryOutbox();
    storage.saved = { items: Array.from({ length: 300_000 }, (_, n) => [`id.${n}`, n]) };
    // Every dropped message would raise a `state` event (made with its error) if it were built.
    const emit = vi.spyOn(EventEmitter.prototype, 'emit');
    const feature = delivery({ storage });
    expect(emit.mock.calls.filter((call) => call[2] === 'dropped')).toEqual([]);
    emit.mockRestore();
    expect(feature.pending).toHaveLength(1000);
    expect(feature.stats.lost).toBe(299_000);
  });

  it('leaves out stored ids a server would refuse, which would otherwise wait for an ack for ever', () => {
    const storage = memoryOutbox();
    const refused = ['', 'x'.repeat(129), 'bad\u0007id', 'tab\tid'];
    storage.saved = {
      items: [...refused.map((id) => [id, 'no'] as [string, unknown]), ['ok.1', 'yes'], ['ok.1', 'twice']],
    };
    const feature = delivery({ storage });
    expect(feature.pending.map(({ id, data }) => [id, data])).toEqual([['ok.1', 'yes']]);
    expect(feature.stats.lost).toBe(5);
    const link = hostFor(feature);
    link.open();
    expect(ids(link.wire)).toEqual(['ok.1']);
  });

  it('counts what wrap refuses at load as dropped', () => {
    const storage = memoryOutbox();
    storage.saved = {
      items: [
        ['a.1', 1n as unknown],
        ['a.2', 2],
      ],
    };
    const feature = delivery({ storage });
    expect(feature.pending.map(({ id }) => id)).toEqual(['a.2']);
    expect(feature.stats.lost).toBe(1);
  });

  it('writes back what it kept, once, and nothing when it found nothing', async () => {
    const storage = memoryOutbox();
    storage.saved = { items: [['abc.0', 'a'], 'corrupt', ['abc.4', 'b']] as never };
    const save = vi.spyOn(storage, 'save');
    delivery({ storage });
    await saved();
    expect(save).toHaveBeenCalledTimes(1);
    expect(storage.saved).toEqual({
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
    expect(sent).not.toContain(next);
    const states: string[] = [];
    after.on('state', (id, state) => states.push(`${id} ${state}`));
    link.receive(JSON.stringify({ ack: [sent[0], sent[1]] }));
    await saved();
    expect(states).toEqual([`${sent[0]} acked`, `${sent[1]} acked`]);
    expect(JSON.parse(localStorage.getItem('chat') as string).items).toEqual([[next, { text: 'three' }]]);
    // A third page sees only what is still unacked, and sends only that at its open.
    const third = hostFor(delivery({ storage: localStorageOutbox('chat') }));
    third.open();
    expect(ids(third.wire)).toEqual([next]);
  });

  it('uses the Web Storage given, under the name given', async () => {
    const storage = fakeStorage();
    const feature = delivery({ storage: localStorageOutbox('tab-1', storage) });
    hostFor(feature);
    feature.deliver('a');
    await saved();
    expect(JSON.parse(storage.items.get('tab-1') as string).items).toEqual([[feature.pending[0]?.id, 'a']]);
    expect(localStorage.length).toBe(0);
  });
});
