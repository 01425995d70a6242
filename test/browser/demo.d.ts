declare module '*/examples/server/demo.mjs' {
  export function startDemo(options?: { port?: number }): Promise<{ url: string }>;
}
