/**
 * A binary min-heap under a comparator.
 * @module
 */

/** A min-heap: `peek` and `pop` give the least element by `compare`. */
export class BinaryHeap<T> {
  #items: T[] = [];
  #compare: (a: T, b: T) => number;

  /** @param compare Negative when `a` comes before `b`. */
  constructor(compare: (a: T, b: T) => number) {
    this.#compare = compare;
  }

  /** Number of elements. */
  get size(): number {
    return this.#items.length;
  }

  /** Adds an element. */
  push(item: T): void {
    const items = this.#items;
    items.push(item);
    let i = items.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.#compare(items[i]!, items[parent]!) >= 0) break;
      [items[i], items[parent]] = [items[parent]!, items[i]!];
      i = parent;
    }
  }

  /** The least element, left in place. */
  peek(): T | undefined {
    return this.#items[0];
  }

  /** Removes and returns the least element. */
  pop(): T | undefined {
    const items = this.#items;
    const top = items[0];
    const last = items.pop();
    if (items.length === 0 || last === undefined) return top;
    items[0] = last;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let least = i;
      if (left < items.length && this.#compare(items[left]!, items[least]!) < 0) least = left;
      if (right < items.length && this.#compare(items[right]!, items[least]!) < 0) least = right;
      if (least === i) break;
      [items[i], items[least]] = [items[least]!, items[i]!];
      i = least;
    }
    return top;
  }
}
