/**
 * Messages due at a time, first due first and, among those due at once, first sent first (as a
 * queue delivers them): a binary min-heap on (due, sequence). What a benchmark driver uses in
 * place of a queue when it drives a worker's steps directly.
 */
export class DueQueue<T> {
  private readonly items: { due: number; seq: number; value: T }[] = [];
  private seq = 0;

  get size(): number {
    return this.items.length;
  }

  /** When the first message is due, or undefined when there is none. */
  nextDue(): number | undefined {
    return this.items[0]?.due;
  }

  push(due: number, value: T): void {
    const a = this.items;
    a.push({ due, seq: this.seq++, value });
    let i = a.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(a[i]!, a[parent]!)) break;
      [a[parent], a[i]] = [a[i]!, a[parent]!];
      i = parent;
    }
  }

  /** The first message if it is due at `now`. */
  popDue(now: number): T | undefined {
    const a = this.items;
    const top = a[0];
    if (!top || top.due > now) return undefined;
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && before(a[l]!, a[m]!)) m = l;
        if (r < a.length && before(a[r]!, a[m]!)) m = r;
        if (m === i) break;
        [a[m], a[i]] = [a[i]!, a[m]!];
        i = m;
      }
    }
    return top.value;
  }

  clear(): void {
    this.items.length = 0;
  }
}

function before(a: { due: number; seq: number }, b: { due: number; seq: number }): boolean {
  return a.due < b.due || (a.due === b.due && a.seq < b.seq);
}
