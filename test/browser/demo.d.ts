// Types for the demo server (examples/server/demo.mjs), which is plain JavaScript.

declare module '*/examples/server/demo.mjs' {
  export type BackendName = 'a' | 'b';

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
  }

  export interface DemoStatus {
    url: string;
    current: BackendName;
    target: BackendName | null;
    backends: Record<BackendName, BackendStatus>;
    symbols: Record<string, { price: number; seq: number }>;
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
    backendPorts?: number[] | { a?: number; b?: number };
    root?: string;
  }): Promise<Demo>;
}
