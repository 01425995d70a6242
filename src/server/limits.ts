// Bounds on everything a client can make the server hold or parse: frame size, id and stream name
// lengths, how many streams one resume or one socket may name.

/** Upper bounds applied to every frame a client sends. Each has a default; override any of them. */
export interface FrameLimits {
  /** Longest text frame parsed, in UTF-16 code units (a lower bound on its bytes). @default 262144 */
  maxFrameLength: number;
  /** Longest message id accepted. @default 128 */
  maxIdLength: number;
  /** Longest stream name accepted, in a resume or a subscription. @default 128 */
  maxStreamNameLength: number;
  /** Most streams one resume frame may list; extra entries are ignored. @default 256 */
  maxResumeEntries: number;
  /** Most streams one socket may be subscribed to at once. @default 256 */
  maxSubscriptions: number;
}

/** The defaults of {@link FrameLimits}. */
export const defaultFrameLimits: Readonly<FrameLimits> = Object.freeze({
  maxFrameLength: 256 * 1024,
  maxIdLength: 128,
  maxStreamNameLength: 128,
  maxResumeEntries: 256,
  maxSubscriptions: 256,
});

/** Fills in the defaults of {@link FrameLimits}, ignoring values that are not positive integers. */
export function normalizeLimits(limits: Partial<FrameLimits> = {}): FrameLimits {
  const result = { ...defaultFrameLimits };
  for (const key of Object.keys(result) as (keyof FrameLimits)[]) {
    const value = limits[key];
    if (Number.isSafeInteger(value) && (value as number) > 0) result[key] = value as number;
  }
  return result;
}

/** True for a string that can name a stream or a message: not empty, within `max`, no control characters. */
export function isToken(value: unknown, max: number): value is string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  return typeof value === 'string' && value.length > 0 && value.length <= max && !/[\u0000-\u001f]/.test(value);
}
