// A minimal Redis client (RESP2 over one TCP connection): commands with pipelined replies, and
// pub/sub pushes. Just what the dedup store, the bus and the stream publisher need.

import { connect as connectTcp, type Socket } from 'node:net';

/** A decoded Redis reply. Errors reject the command's promise instead. */
export type RedisReply = string | number | null | RedisReply[];

/** Thrown for a `-ERR …` reply, or for commands cut off by a lost connection. */
export class RedisError extends Error {
  override name = 'RedisError';
}

interface Pending {
  resolve: (reply: RedisReply) => void;
  reject: (error: Error) => void;
}

/**
 * One connection to Redis. In subscriber mode (after the first SUBSCRIBE) Redis accepts only
 * (un)subscribe commands on it, so use one connection for pub/sub and another for the rest.
 */
export class RedisClient {
  /** Called with (channel, message) for every pub/sub message this connection receives. */
  onMessage: (channel: string, message: string) => void = () => {};
  /** Called once when the connection ends, with the error if it failed. */
  onClose: (error?: Error) => void = () => {};
  private readonly pending: Pending[] = [];
  private buffer: Buffer = Buffer.alloc(0);
  private closed = false;

  private constructor(private readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk) => this.receive(chunk));
    socket.on('error', (error) => this.end(error));
    socket.on('close', () => this.end());
  }

  /** Connects to `redis://[:password@]host[:port][/db]`; resolves once AUTH and SELECT succeeded. */
  static connect(url: string): Promise<RedisClient> {
    const target = new URL(url);
    if (target.protocol !== 'redis:') throw new RedisError(`expected a redis:// URL, got ${target.protocol}`);
    const port = Number(target.port || 6379);
    const host = target.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1';
    return new Promise((resolve, reject) => {
      const socket = connectTcp({ host, port });
      socket.once('error', reject);
      socket.once('connect', async () => {
        socket.off('error', reject);
        const client = new RedisClient(socket);
        try {
          const password = decodeURIComponent(target.password);
          if (password) await client.command('AUTH', ...(target.username ? [target.username] : []), password);
          const db = target.pathname.slice(1);
          if (db) await client.command('SELECT', db);
          resolve(client);
        } catch (error) {
          client.close();
          reject(error);
        }
      });
    });
  }

  /** Sends one command; resolves with its reply, rejects with a {@link RedisError}. */
  command(...args: string[]): Promise<RedisReply> {
    if (this.closed) return Promise.reject(new RedisError('the Redis connection is closed'));
    return new Promise((resolve, reject) => {
      this.pending.push({ resolve, reject });
      let frame = `*${args.length}\r\n`;
      for (const arg of args) frame += `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`;
      this.socket.write(frame);
    });
  }

  /** Closes the connection; pending commands reject. */
  close(): void {
    this.socket.destroy();
    this.end();
  }

  private end(error?: Error): void {
    if (this.closed) return;
    this.closed = true;
    for (const { reject } of this.pending.splice(0)) reject(new RedisError('the Redis connection was lost'));
    this.onClose(error);
  }

  private receive(chunk: Buffer): void {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    let offset = 0;
    try {
      for (;;) {
        const parsed = parseReply(this.buffer, offset);
        if (!parsed) break;
        offset = parsed.next;
        this.dispatch(parsed.reply);
      }
    } catch (error) {
      // Not Redis speaking (or a listener threw): nothing after this point can be trusted.
      this.socket.destroy();
      this.end(error as Error);
      return;
    }
    this.buffer = this.buffer.subarray(offset);
  }

  private dispatch(reply: RedisReply | RedisError): void {
    // Pub/sub messages arrive unasked, as ["message", channel, payload]; everything else answers
    // the oldest pending command, in order.
    if (Array.isArray(reply) && reply[0] === 'message' && reply.length === 3) {
      this.onMessage(String(reply[1]), String(reply[2]));
      return;
    }
    const pending = this.pending.shift();
    if (!pending) return;
    if (reply instanceof RedisError) pending.reject(reply);
    else pending.resolve(reply);
  }
}

type Parsed = { reply: RedisReply | RedisError; next: number } | undefined;

/** Parses one RESP2 reply at `offset`; `undefined` while it is incomplete. */
function parseReply(buffer: Buffer, offset: number): Parsed {
  const end = buffer.indexOf('\r\n', offset);
  if (end < 0) return undefined;
  const kind = String.fromCharCode(buffer[offset]!);
  const line = buffer.toString('utf8', offset + 1, end);
  const next = end + 2;
  switch (kind) {
    case '+':
      return { reply: line, next };
    case '-':
      return { reply: new RedisError(line), next };
    case ':':
      return { reply: Number(line), next };
    case '$': {
      const length = Number(line);
      if (length < 0) return { reply: null, next };
      if (buffer.length < next + length + 2) return undefined;
      return { reply: buffer.toString('utf8', next, next + length), next: next + length + 2 };
    }
    case '*': {
      const count = Number(line);
      if (count < 0) return { reply: null, next };
      const items: RedisReply[] = [];
      let at = next;
      for (let i = 0; i < count; i++) {
        const item = parseReply(buffer, at);
        if (!item) return undefined;
        // An error inside an array (EXEC) is kept as its message; this client never sends EXEC.
        items.push(item.reply instanceof RedisError ? item.reply.message : item.reply);
        at = item.next;
      }
      return { reply: items, next: at };
    }
    default:
      throw new RedisError(`unexpected RESP type ${JSON.stringify(kind)}`);
  }
}
