// The public API's types, checked by the compiler (npm run typecheck) and by expectTypeOf.

import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import ts from 'typescript';
import { describe, expect, expectTypeOf, it, onTestFinished } from 'vitest';
import {
  type ConnectionFailedError,
  type Decision,
  discover,
  type InvalidArgumentError,
  isResilientError,
  type Outcome,
  ResilientWebSocket,
  type ResolvedInfo,
  type SendResult,
  type State,
} from '../../src';
import { typeProblems } from './compile';

describe('public types', () => {
  it('types every event listener by its event', () => {
    const ws = new ResilientWebSocket('wss://example.com/', { lazy: true, WebSocket: class {} as never });
    ws.on('state', (state, previous) => {
      expectTypeOf(state).toEqualTypeOf<State>();
      expectTypeOf(previous).toEqualTypeOf<State>();
    });
    ws.on('reconnecting', (info) =>
      expectTypeOf(info).toEqualTypeOf<{ attempt: number; delay: number; reason: Outcome }>(),
    );
    ws.on('resolved', (info) => expectTypeOf(info).toEqualTypeOf<ResolvedInfo>());
    ws.on('failed', (error) => expectTypeOf(error).toEqualTypeOf<ConnectionFailedError>());
    ws.on('message', (event) => expectTypeOf(event).toEqualTypeOf<MessageEvent>());
    // @ts-expect-error: no such event
    ws.on('opened', () => {});
    // @ts-expect-error: only the client emits its events
    expect(ws.emit).toBeUndefined();
    expectTypeOf(ws.send).returns.toEqualTypeOf<SendResult>();
    ws.close();
  });

  it('rejects wrong option types at compile time', () => {
    const construct = (options: ConstructorParameters<typeof ResilientWebSocket>[1]) => options;
    // @ts-expect-error: jitter is one of four names
    construct({ jitter: 'random' });
    // @ts-expect-error: maxDelay is a number of ms
    construct({ maxDelay: '30s' });
    // @ts-expect-error: decide returns a Decision
    construct({ decide: () => 'retry' });
    expectTypeOf<Decision>().toEqualTypeOf<
      'connect' | 'reconnect' | 'reconnect-later' | 'refresh-auth' | 'fatal' | 'stop'
    >();
    expectTypeOf(discover).returns.toBeFunction();
  });

  it('types addEventListener by its event, and is assignable where a WebSocket is expected', () => {
    const ws = new ResilientWebSocket('wss://example.com/', { lazy: true, WebSocket: class {} as never });
    ws.addEventListener('close', (event) => expectTypeOf(event).toEqualTypeOf<CloseEvent>());
    ws.addEventListener('state', (state, previous) => expectTypeOf([state, previous]).toEqualTypeOf<State[]>());
    ws.addEventListener('message', { handleEvent: (event) => expectTypeOf(event).toEqualTypeOf<MessageEvent>() });
    // @ts-expect-error: a close listener does not get a MessageEvent
    ws.addEventListener('close', (event: MessageEvent) => event);
    const socket: WebSocket = ws;
    expectTypeOf(socket.dispatchEvent).returns.toEqualTypeOf<boolean>();
  });

  it('narrows an error to the class isResilientError names', () => {
    const caught: unknown = new Error('x');
    if (isResilientError(caught, 'InvalidArgumentError')) expectTypeOf(caught).toEqualTypeOf<InvalidArgumentError>();
    if (isResilientError(caught, 'ConnectionFailedError'))
      expectTypeOf(caught.status).toEqualTypeOf<number | undefined>();
  });
});

describe('declarations', () => {
  it('type-check in a Node project without the DOM library', { timeout: 30_000 }, () => {
    const root = join(__dirname, '../..');
    const declarations = join(root, 'dist/index.d.mts');
    expect(existsSync(declarations), 'dist/ is built first (npm run build; npm test does it)').toBe(true);
    // The declarations served as ordinary modules (x.d.mts as x.mts, so `./x.mjs` still finds
    // it), so that skipLibCheck skips @types/node only.
    const copies = join(root, 'test/node-only');
    const entry = join(root, 'test/node-only-consumer.ts');
    const files = new Map<string, string>();
    for (const folder of ['', 'shared/']) {
      for (const name of readdirSync(join(root, 'dist', folder))) {
        if (name.endsWith('.d.mts')) {
          files.set(
            join(copies, folder, name.replace(/\.d\.mts$/, '.mts')),
            readFileSync(join(root, 'dist', folder, name), 'utf8'),
          );
        }
      }
    }
    files.set(
      entry,
      `import { ResilientWebSocket } from './node-only/index.mjs';
        import { CoreWebSocket } from './node-only/core.mjs';
        import { heartbeat } from './node-only/heartbeat.mjs';
        const ws = new ResilientWebSocket('ws://localhost/');
        ws.addEventListener('close', (event) => event.code);
        ws.close();
        new CoreWebSocket('ws://localhost/', { features: [heartbeat()] }).close();`,
    );
    const options: ts.CompilerOptions = {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      lib: ['lib.es2022.d.ts'],
      types: ['node'],
      strict: true,
      noEmit: true,
      skipLibCheck: true,
    };
    // On disk, so the compiler finds the folders; removed afterwards.
    for (const [path, text] of files) {
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, text);
    }
    onTestFinished(() => rmSync(copies, { recursive: true, force: true }));
    onTestFinished(() => rmSync(entry, { force: true }));
    const problems = typeProblems(files, options);
    expect(problems).toEqual([]);
  });
});
