// Two pages on one saved outbox: a duplicated tab copies sessionStorage, so the chat example's
// outbox name with it, and an app may give two tabs the same name. Each page still gives its new
// messages ids of its own: the server drops a second message under a known id as a resend, so
// two different messages under one id would lose one of them, acked and all.

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { delivery } from '../../src/features/delivery';
import { hostFor, ids, memoryOutbox } from './delivery-host';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** Lets the feature save: it does so once the current synchronous code has run. */
const saved = () => Promise.resolve();

describe('two pages on one saved outbox', () => {
  it('resends what was pending under its id from both, and gives each new message an id of its own', async () => {
    const storage = memoryOutbox();
    const first = delivery({ storage });
    const firstLink = hostFor(first);
    const pending = first.deliver('typed offline').id;
    await saved();
    // The tab is duplicated: the copy loads the same outbox.
    const copy = delivery({ storage });
    const copyLink = hostFor(copy);
    const mine = first.deliver('from the first tab').id;
    const yours = copy.deliver('from the copy').id;
    expect(mine).not.toBe(yours);
    firstLink.open();
    copyLink.open();
    // The message both pages hold is the same message under the same id: the server hands it over once.
    expect(ids(firstLink.wire)).toEqual([pending, mine]);
    expect(ids(copyLink.wire)).toEqual([pending, yours]);
  });

  it('never gives a new message the id of one loaded from storage', async () => {
    const storage = memoryOutbox();
    const first = delivery({ storage });
    hostFor(first);
    const loaded = [first.deliver('a').id, first.deliver('b').id];
    await saved();
    const again = delivery({ storage });
    hostFor(again);
    const fresh = [again.deliver('c').id, again.deliver('d').id];
    expect(fresh.filter((id) => loaded.includes(id))).toEqual([]);
  });

  it('never repeats an id, whatever a tampered store says its counter is', async () => {
    // A store of an older format, or a hostile one, naming the last counter a number holds exactly:
    // counting on from it gave the same id twice, and the server handled only the first of them.
    const storage = memoryOutbox();
    storage.saved = { next: 2 ** 53 - 1, items: [] } as never;
    const feature = delivery({ storage });
    const link = hostFor(feature);
    link.open();
    const sent = ['a', 'b', 'c'].map((text) => feature.deliver(text).id);
    expect(new Set(sent).size).toBe(3);
    expect(new Set(ids(link.wire)).size).toBe(3);
  });
});
