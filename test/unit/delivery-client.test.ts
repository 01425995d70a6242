// The delivery feature in the real client, against a mock server: the order of what goes out on
// each open, what reaches `message` listeners, and resends across a dropped connection.

import type { Client } from 'mock-socket';
import { describe, expect, it } from 'vitest';
import { delivery, type Gap } from '../../src/features/delivery';
import { advance, createClient, startServer, useFakeClock } from './helpers';

useFakeClock();

/** A server that records what each connection receives, and keeps its sockets. */
function serverLog() {
  const server = startServer();
  const connections: unknown[][] = [];
  const sockets: Client[] = [];
  server.on('connection', (socket) => {
    const received: unknown[] = [];
    connections.push(received);
    sockets.push(socket);
    socket.on('message', (data) => received.push(data));
  });
  return { connections, sockets };
}

describe('delivery in the client', () => {
  it('sends resume, subscriptions and resends before the open listeners and the queue, and resumes after a drop', async () => {
    const { connections, sockets } = serverLog();
    const chat = delivery();
    const client = createClient({ features: [chat] });
    const messages: unknown[] = [];
    const gaps: Gap[] = [];
    client.on('message', (event) => messages.push(event.data));
    client.on('open', () => client.send('from the open listener'));
    chat.on('gap', (gap) => gaps.push(gap));
    chat.subscribe('prices', '{"subscribe":"prices"}');
    const first = chat.deliver({ text: 'first' });
    expect(client.send('queued before open')).toBe('queued');
    await advance(10);
    expect(connections[0]).toEqual([
      '{"subscribe":"prices"}',
      `{"id":"${first.id}","data":{"text":"first"}}`,
      'from the open listener',
      'queued before open',
    ]);

    const [socket] = sockets;
    for (const seq of [1, 2, 2, 5]) socket?.send(JSON.stringify({ stream: 'prices', seq, data: seq }));
    socket?.send('plain');
    await advance(10);
    expect(messages).toEqual([
      '{"stream":"prices","seq":1,"data":1}',
      '{"stream":"prices","seq":2,"data":2}',
      '{"stream":"prices","seq":5,"data":5}',
      'plain',
    ]);
    expect(gaps).toEqual([{ stream: 'prices', from: 3, to: 4 }]);
    expect(chat.stats.duplicates).toBe(1);

    const second = chat.deliver({ text: 'second' });
    socket?.send(`{"ack":"${second.id}"}`);
    await advance(10);
    await expect(second).resolves.toBeUndefined();
    socket?.close({ code: 1012, reason: 'restart', wasClean: true });
    await advance(5000);
    expect(client.state).toBe('open');
    expect(connections[1]).toEqual([
      '{"resume":{"prices":5}}',
      '{"subscribe":"prices"}',
      `{"id":"${first.id}","data":{"text":"first"}}`,
      'from the open listener',
    ]);
    sockets[1]?.send(`{"ack":"${first.id}"}`);
    await advance(10);
    await expect(first).resolves.toBeUndefined();
    expect(messages).not.toContain(`{"ack":"${first.id}"}`);
    expect(chat.pending).toEqual([]);
  });

  it('rejects what is pending when the client is closed', async () => {
    serverLog();
    const chat = delivery();
    const client = createClient({ features: [chat] });
    await advance(10);
    const sending = chat.deliver('unacked');
    client.close();
    await advance(10);
    await expect(sending).rejects.toMatchObject({ name: 'DeliveryError', reason: 'closed' });
  });
});
