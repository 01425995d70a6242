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

/** Options of {@link RedisClient.connect}. */
export interface RedisClientOptions {
  /** Reconnect when the connection is lost, restoring AUTH, SELECT and subscriptions. @default true */
  reconnect?: boolean;
  /** Longest wait between reconnect attempts, in ms; the wait doubles from 100 ms. @default 5000 */
  maxReconnectDelayMs?: number;
  /** How long one connection attempt may take, in ms. @default 5000 */
  connectTimeoutMs?: number;
}

/**
 * One connection to Redis, reconnected when lost. In subscriber mode (after the first SUBSCRIBE)
 * Redis accepts only (un)subscribe commands on it, so use one client for pub/sub and another for
 * the rest. While disconnected, commands reject at once, and pub/sub messages are missed.
 */
export class RedisClient {
  /** Called with (channel, message) for every pub/sub message this connection receives. */
  onMessage: (channel: string, message: string) => void = () => {};
  /** Called when the connection is lost, with the error if there was one; a reconnect follows unless disabled. */
  onDisconnect: (error?: Error) => void = () => {};
  /** Called when a lost connection is back, subscriptions restored. */
  onReconnect: () => void = () => {};
  /** Called once when the client is closed for good (close(), or a loss with reconnect off). */
  onClose: (error?: Error) => void = () => {};
  private readonly pending: Pending[] = [];
  private readonly channels = new Set<string>();
  private buffer: Buffer = Buffer.alloc(0);
  private socket: Socket | undefined;
  private connected = false;
  private closed = false;
  private retryDelay = 100;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;

  private constructor(
    private readonly target: URL,
    private readonly options: Required<RedisClientOptions>,
  ) {}

  /** Connects to `redis://[:password@]host[:port][/db]`; resolves once AUTH and SELECT succeeded. */
  static async connect(url: string, options: RedisClientOptions = {}): Promise<RedisClient> {
    const target = new URL(url);
    if (target.protocol !== 'redis:') throw new RedisError(`expected a redis:// URL, got ${target.protocol}`);
    const client = new RedisClient(target, {
      reconnect: options.reconnect ?? true,
      maxReconnectDelayMs: options.maxReconnectDelayMs ?? 5000,
      connectTimeoutMs: options.connectTimeoutMs ?? 5000,
    });
    await client.open(); // the first connection fails loudly; only later losses are retried
    return client;
  }

  /** Sends one command; resolves with its reply, rejects with a {@link RedisError}. */
  command(...args: string[]): Promise<RedisReply> {
    if (this.closed) return Promise.reject(new RedisError('the Redis connection is closed'));
    if (!this.connected) return Promise.reject(new RedisError('not connected to Redis (reconnecting)'));
    // Remembered so that a reconnect can subscribe again.
    const name = args[0]?.toUpperCase();
    if (name === 'SUBSCRIBE') for (const channel of args.slice(1)) this.channels.add(channel);
    if (name === 'UNSUBSCRIBE') for (const channel of args.slice(1)) this.channels.delete(channel);
    return this.send(args);
  }

  /** Closes the connection for good; pending commands reject. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.socket?.destroy();
    this.socket = undefined;
    this.failPending('the Redis connection was lost');
    this.onClose();
  }

  private send(args: string[]): Promise<RedisReply> {
    const socket = this.socket;
    if (!socket) return Promise.reject(new RedisError('not connected to Redis'));
    return new Promise((resolve, reject) => {
      this.pending.push({ resolve, reject });
      let frame = `*${args.length}\r\n`;
      for (const arg of args) frame += `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`;
      socket.write(frame);
    });
  }

  private async open(): Promise<void> {
    const host = this.target.hostname.replace(/^\[|\]$/g, '') || '127.0.0.1';
    const socket = await dial(host, Number(this.target.port || 6379), this.options.connectTimeoutMs);
    if (this.closed) return void socket.destroy();
    this.socket = socket;
    this.buffer = Buffer.alloc(0);
    let lastError: Error | undefined;
    socket.on('data', (chunk) => this.receive(chunk));
    socket.on('error', (error) => {
      lastError = error;
    });
    socket.on('close', () => this.lost(socket, lastError));
    try {
      const password = decodeURIComponent(this.target.password);
      const user = this.target.username ? [decodeURIComponent(this.target.username)] : [];
      if (password) await this.send(['AUTH', ...user, password]);
      const db = this.target.pathname.slice(1);
      if (db) await this.send(['SELECT', db]);
      for (const channel of this.channels) await this.send(['SUBSCRIBE', channel]);
      this.connected = true;
    } catch (error) {
      if (this.socket === socket) this.socket = undefined;
      socket.destroy();
      throw error;
    }
  }

  private lost(socket: Socket, error?: Error): void {
    if (socket !== this.socket) return; // an attempt that open() already gave up on
    const wasConnected = this.connected;
    this.socket = undefined;
    this.connected = false;
    this.failPending('the Redis connection was lost');
    if (this.closed || !wasConnected) return;
    this.onDisconnect(error);
    if (!this.options.reconnect) {
      this.closed = true;
      this.onClose(error);
      return;
    }
    this.retryDelay = 100;
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed || this.retryTimer) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.open().then(
        () => this.onReconnect(),
        () => {
          this.retryDelay = Math.min(this.retryDelay * 2, this.options.maxReconnectDelayMs);
          this.scheduleReconnect();
        },
      );
    }, this.retryDelay);
  }

  private failPending(reason: string): void {
    for (const { reject } of this.pending.splice(0)) reject(new RedisError(reason));
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
    } catch {
      // Not Redis speaking (or a listener threw): nothing after this point can be trusted.
      this.socket?.destroy();
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

/** Opens a TCP connection, failing after `timeoutMs`. */
function dial(host: string, port: number, timeoutMs: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connectTcp({ host, port });
    socket.setNoDelay(true);
    socket.setTimeout(timeoutMs, () => socket.destroy(new RedisError(`no connection to Redis within ${timeoutMs} ms`)));
    socket.once('error', reject);
    socket.once('connect', () => {
      socket.setTimeout(0);
      socket.off('error', reject);
      resolve(socket);
    });
  });
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
