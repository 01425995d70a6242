// A fixed-capacity ring buffer: pushing past capacity overwrites the oldest entry.

/** Keeps the last `capacity` items pushed, oldest first. */
export class RingBuffer<T> {
  private readonly items: (T | undefined)[];
  private start = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    if (!(Number.isSafeInteger(capacity) && capacity > 0)) throw new RangeError('capacity must be a whole number ≥ 1');
    this.items = new Array(capacity);
  }

  /** How many items are held. */
  get size(): number {
    return this.count;
  }

  /** Adds `item` as the newest, dropping the oldest when full. */
  push(item: T): void {
    this.items[(this.start + this.count) % this.capacity] = item;
    if (this.count < this.capacity) this.count++;
    else this.start = (this.start + 1) % this.capacity;
  }

  /** The item `index` places after the oldest (0 is the oldest), or undefined. */
  at(index: number): T | undefined {
    if (!(Number.isInteger(index) && index >= 0 && index < this.count)) return undefined;
    return this.items[(this.start + index) % this.capacity];
  }

  /** The newest item, or undefined when empty. */
  newest(): T | undefined {
    return this.at(this.count - 1);
  }

  /** Every item from the first one `test` accepts to the newest, found by binary search: `test` must be monotonic. */
  from(test: (item: T) => boolean): T[] {
    let low = 0;
    let high = this.count;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (test(this.at(middle) as T)) high = middle;
      else low = middle + 1;
    }
    const result: T[] = [];
    for (let i = low; i < this.count; i++) result.push(this.at(i) as T);
    return result;
  }
}
