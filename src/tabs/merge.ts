// What the delivery protocol needs merged when several tabs speak on one connection, in one place:
// one resume with the lowest position of each stream over the tabs (each tab's delivery feature
// drops what it has already seen, so a lower position costs a few duplicates, never a loss);
// subscriptions as the union of the tabs', counted per tab, unsubscribed on the server only when
// no tab wants the stream any more, released when a tab goes. Everything else passes as it is,
// in each tab's order. See docs/delivery-protocol.md for the frames.

import type { FrameData } from './frames';

/** How the merge reads and writes the frames it merges; {@link jsonMergeCodec} is the protocol's default form. */
export interface MergeCodec {
  /** The positions a resume frame lists, or undefined when `data` is not a resume. */
  resumeOf(data: FrameData): Record<string, number> | undefined;
  /** The stream a subscribe or unsubscribe frame names, or undefined for any other frame. */
  subscriptionOf(data: FrameData): { stream: string; subscribe: boolean } | undefined;
  /** The resume frame for `positions`. */
  resume(positions: Record<string, number>): FrameData;
  /** The frame that unsubscribes `stream` (sent when the last tab wanting it goes). */
  unsubscribe(stream: string): FrameData;
}

const parse = (data: FrameData, start: string): Record<string, unknown> | undefined => {
  if (typeof data !== 'string' || !data.startsWith(start)) return;
  try {
    const value = JSON.parse(data);
    return typeof value === 'object' && value !== null ? value : undefined;
  } catch {}
};
const isStream = (name: unknown): name is string => typeof name === 'string' && name.length > 0 && name.length <= 128;

/** The protocol's frames: `{"resume":{…}}`, and the demo's `{"subscribe":"name"}` / `{"unsubscribe":"name"}`. */
export const jsonMergeCodec: MergeCodec = {
  resumeOf(data) {
    const resume = parse(data, '{"resume":')?.resume;
    if (typeof resume !== 'object' || resume === null || Array.isArray(resume)) return;
    // No prototype: a stream named `__proto__` is a stream like any other.
    const positions: Record<string, number> = Object.create(null);
    for (const [stream, seq] of Object.entries(resume))
      if (isStream(stream) && Number.isSafeInteger(seq) && seq >= 0) positions[stream] = seq;
    return positions;
  },
  subscriptionOf(data) {
    const frame = parse(data, '{"subscribe":') ?? parse(data, '{"unsubscribe":');
    if (isStream(frame?.subscribe)) return { stream: frame.subscribe, subscribe: true };
    if (isStream(frame?.unsubscribe)) return { stream: frame.unsubscribe, subscribe: false };
  },
  resume: (positions) => JSON.stringify({ resume: positions }),
  unsubscribe: (stream) => JSON.stringify({ unsubscribe: stream }),
};

/** @internal The merge state of one connection: what goes on the socket for what each tab sends. */
export class Merge {
  readonly #codec: MergeCodec;
  // The tabs (ports) that want each stream, and the streams subscribed on this connection.
  readonly #wants = new Map<string, Set<string>>();
  readonly #subscribed = new Set<string>();
  // The positions sent in the last resume: a server takes each resume in place of the last one.
  #positions: Record<string, number> = Object.create(null);

  constructor(codec: MergeCodec = jsonMergeCodec) {
    this.#codec = codec;
  }

  /**
   * The connection opened and the tabs said what they send first (`batches`, each in its tab's
   * order): one resume with the lowest position of each stream, then each subscription once, then
   * the rest, tab by tab.
   */
  open(batches: [port: string, frames: FrameData[]][]): FrameData[] {
    // The resume first: what it lists applies to the subscriptions that follow it.
    const resumes: Record<string, number>[] = [];
    const others: [port: string, data: FrameData][] = [];
    for (const [port, frames] of batches)
      for (const data of frames) {
        const resume = this.#resumeOf(data);
        if (resume) resumes.push(resume);
        else others.push([port, data]);
      }
    const resume = this.#merge(resumes);
    const subscriptions: FrameData[] = [];
    const rest: FrameData[] = [];
    for (const [port, data] of others)
      if (this.#subscriptionOf(data)) subscriptions.push(...this.send(port, data));
      else rest.push(data);
    return [...(resume === undefined ? [] : [resume]), ...subscriptions, ...rest];
  }

  /** What goes on the socket for `data`, sent by `port` on an open connection. */
  send(port: string, data: FrameData): FrameData[] {
    const resume = this.#resumeOf(data);
    // A tab that opens on a connection already going: its positions for streams not yet subscribed count.
    if (resume) {
      const merged = this.#merge([resume]);
      return merged === undefined ? [] : [merged];
    }
    const subscription = this.#subscriptionOf(data);
    if (!subscription) return [data];
    const { stream, subscribe } = subscription;
    const wanting = this.#wants.get(stream) ?? new Set<string>();
    if (subscribe) {
      wanting.add(port);
      this.#wants.set(stream, wanting);
      if (this.#subscribed.has(stream)) return [];
      this.#subscribed.add(stream);
      return [data];
    }
    wanting.delete(port);
    if (wanting.size) return [];
    this.#wants.delete(stream);
    return this.#subscribed.delete(stream) ? [data] : [];
  }

  /** A tab went (closed, lost): what unsubscribes the streams no other tab wants. */
  leave(port: string): FrameData[] {
    const out: FrameData[] = [];
    for (const [stream, wanting] of this.#wants) {
      if (!wanting.delete(port) || wanting.size) continue;
      this.#wants.delete(stream);
      if (this.#subscribed.delete(stream)) out.push(this.#codec.unsubscribe(stream));
    }
    return out;
  }

  /** The connection closed: nothing is subscribed on the server any more (every tab subscribes again on the next). */
  reset(): void {
    this.#wants.clear();
    this.#subscribed.clear();
    this.#positions = Object.create(null);
  }

  /** How many tabs want `stream`: 0 when none does. */
  wanted(stream: string): number {
    return this.#wants.get(stream)?.size ?? 0;
  }

  // Lowers the positions of streams not yet subscribed to the lowest given; the resume frame that
  // says them all (the server replaces its positions with each resume), or undefined when nothing changed.
  #merge(resumes: Record<string, number>[]): FrameData | undefined {
    let changed = false;
    for (const resume of resumes)
      for (const [stream, seq] of Object.entries(resume)) {
        if (this.#subscribed.has(stream)) continue;
        const known = this.#positions[stream];
        if (known !== undefined && known <= seq) continue;
        this.#positions[stream] = seq;
        changed = true;
      }
    return changed ? this.#codec.resume(this.#positions) : undefined;
  }

  // The app's codec may throw: such a frame is taken as none of these, and passes as it is.
  #resumeOf(data: FrameData) {
    try {
      return this.#codec.resumeOf(data);
    } catch {}
  }

  #subscriptionOf(data: FrameData) {
    try {
      return this.#codec.subscriptionOf(data);
    } catch {}
  }
}
