// Two pages on one saved outbox: a duplicated tab copies sessionStorage, so the chat example's
// outbox name with it, and an app may give two tabs the same name. Each page still gives its new
// messages ids of its own: the server drops a second message under a known id as a resend, so
// two different messages under one id would lose one of them, acked and all.

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { delivery, memoryOutbox } from '../../src/features/delivery';
import { hostFor, ids } from './delivery-host';

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
    // The tab is duplicated: the copy loads the same outbox, and draws other random numbers.
    const copy = delivery({ storage });
    const copyLink = hostFor(copy);
    Object.assign(copyLink.host, { random: () => 0.25 });
    const mine = first.deliver('from the first tab').id;
    const yours = copy.deliver('from the copy').id;
    expect(mine).not.toBe(yours);
    firstLink.open();
    copyLink.open();
    // The message both pages hold is the same message under the same id: the server hands it over once.
    expect(ids(firstLink.wire)).toEqual([pending, mine]);
    expect(ids(copyLink.wire)).toEqual([pending, yours]);
  });

  it('never gives a new message the id of one loaded from storage, whatever the random numbers', async () => {
    const storage = memoryOutbox();
    const first = delivery({ storage });
    hostFor(first);
    const loaded = [first.deliver('a').id, first.deliver('b').id];
    await saved();
    // The same random numbers as the first page: the worst case for a key drawn at random.
    const again = delivery({ storage });
    hostFor(again);
    const fresh = [again.deliver('c').id, again.deliver('d').id];
    expect(fresh.filter((id) => loaded.includes(id))).toEqual([]);
  });
});
