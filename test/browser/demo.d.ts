// Types for the demo server (examples/server/demo.mjs), which is plain JavaScript.

declare module '*/examples/server/demo.mjs' {
  export type BackendName = 'a' | 'b' | 'c';

  export interface BackendStatus {
    port: number;
    url: string;
    httpUrl: string;
    alive: boolean;
    silenced: boolean;
    hang: boolean;
    status: number | null;
    retryAfter: number | string | null;
    /** Open WebSocket connections. */
    clients: number;
    /** Upgrade requests seen since the last reset. */
    upgrades: number;
    hung: number;
    /** True while a drain or rolling restart is closing this backend's clients. */
    draining: boolean;
    /** Acknowledged messages handed to the app (first copies), and copies acked as duplicates. */
    delivered: number;
    duplicates: number;
    /** Connections subscribed to each stream on this backend. */
    subscribers: Record<string, number>;
  }

  export interface DemoStatus {
    url: string;
    current: BackendName;
    target: BackendName | null;
    backends: Record<BackendName, BackendStatus>;
    symbols: Record<string, { price: number; seq: number }>;
    /** The bus the backends share, and the price feed's last seq and prices. */
    fleet: { bus: 'memory' | 'redis'; prices: Record<string, number> & { seq: number } };
  }

  export interface DemoControl {
    kill(name: BackendName): Promise<DemoStatus>;
    restart(name: BackendName): Promise<DemoStatus>;
    silence(name: BackendName, on?: boolean): DemoStatus;
    closeAll(name: BackendName, code?: number, reason?: string): Promise<DemoStatus>;
    /** An HTTP error status (400–599) for upgrades and GETs, or null to clear it. */
    setStatus(name: BackendName, status: number | null, retryAfter?: number | string): DemoStatus;
    hang(name: BackendName, on?: boolean): DemoStatus;
    switchTo(name: BackendName): DemoStatus;
    /** Closes the backend's clients with 1012, restarts it; discovery points elsewhere meanwhile. */
    drain(name: BackendName): Promise<DemoStatus>;
    /** drain() on every backend, one at a time. */
    rollingRestart(): Promise<DemoStatus>;
    resetCounts(): DemoStatus;
    reset(): Promise<DemoStatus>;
    status(): DemoStatus;
    /** ws://127.0.0.1:<port>/ws */
    backendUrl(name: BackendName): string;
    /** http://127.0.0.1:<port>/ws */
    httpUrl(name: BackendName): string;
  }

  export interface Demo {
    /** The origin serving /dist, /examples, /discovery, /redirect/:code/ws: http://127.0.0.1:<port> */
    url: string;
    control: DemoControl;
    close(): Promise<void>;
  }

  export function startDemo(options?: {
    port?: number;
    backendPorts?: number[] | { a?: number; b?: number; c?: number };
    root?: string;
    /** Share the bus, dedup window and seqs through this Redis instead of the process's memory. */
    redisUrl?: string;
  }): Promise<Demo>;
}
