// What the app passes to send() and close(): only what the native API takes, measured as the
// wire measures it, or an InvalidArgumentError before anything is sent, queued or closed.

import { describe, expect, it, onTestFinished, vi } from 'vitest';
import { InvalidArgumentError, ResilientWebSocket } from '../../src';
import { advance, createClient, startServer, useFakeClock } from './helpers';

useFakeClock();

describe('close() reason bytes, as the wire counts them', () => {
  it('throws for lone surrogates that make the reason longer than 123 bytes, and stays open', async () => {
    const server = startServer();
    const ws = createClient();
    await advance(10);
    // 50 lone surrogates: 100 by a count of two per half, 150 on the wire (U+FFFD is 3 bytes).
    expect(() => ws.close(4000, '\uD800'.repeat(50))).toThrow(InvalidArgumentError);
    expect(ws.state).toBe('open');
    expect(server.clients()).toHaveLength(1);
  });
});

describe('send() of data the native API cannot take', () => {
  it.each([
    ['a Blob-like object', { size: 3 }],
    ['a buffer-like object', { byteLength: 3 }],
    ['null', null],
  ])('throws for %s and queues nothing', async (_, data) => {
    const ws = createClient({ lazy: true });
    const drop = vi.fn();
    ws.on('drop', drop);
    expect(() => ws.send(data as never)).toThrow(/^send\(data\)/);
    expect(ws.bufferedAmount).toBe(0);
    expect(ws.state).toBe('idle');
    expect(drop).not.toHaveBeenCalled();
  });

  it('a bad message cannot get stuck in front of good ones', async () => {
    const server = startServer();
    const received: unknown[] = [];
    server.on('connection', (socket) => socket.on('message', (data) => received.push(data)));
    const ws = createClient({ lazy: true });
    expect(() => ws.send({ size: 3 } as never)).toThrow(InvalidArgumentError);
    ws.send('after');
    await advance(10);
    expect(received).toEqual(['after']);
  });

  it('takes a Blob, counted by its size', () => {
    const ws = createClient({ lazy: true });
    expect(ws.send(new Blob(['abc']))).toBe('queued');
    expect(ws.bufferedAmount).toBe(3);
  });

  it('works where Blob does not exist', () => {
    vi.stubGlobal('Blob', undefined);
    onTestFinished(() => {
      vi.unstubAllGlobals();
    });
    const ws = createClient({ lazy: true });
    expect(ws.send(new Uint8Array(2))).toBe('queued');
    expect(() => ws.send({ size: 3 } as never)).toThrow(InvalidArgumentError);
  });
});

describe('heartbeat.message', () => {
  it('is refused at construction when the socket could not send it', () => {
    const construct = (message: unknown) => () =>
      new ResilientWebSocket('ws://localhost/', {
        lazy: true,
        WebSocket: class {} as never,
        heartbeat: { message: message as string },
      });
    expect(construct({ type: 'ping' })).toThrow(InvalidArgumentError);
    expect(construct({ type: 'ping' })).toThrow(/heartbeat\.message/);
    expect(construct('ping')).not.toThrow();
    expect(construct(() => JSON.stringify({ type: 'ping' }))).not.toThrow();
  });
});
