/**
 * The calls waiting for one bucket: highest priority first, first come first served within a
 * priority. Priorities are few (./armPriority), so each has its own queue.
 */
export interface InLine {
  priority: number;
}

export class WaitLine<T extends InLine> {
  /** Queues by priority, highest first; each queue drops its served head by index, not by copying. */
  private readonly queues: { priority: number; items: (T | undefined)[]; head: number; live: number }[] = [];
  private count = 0;

  get size(): number {
    return this.count;
  }

  push(item: T): void {
    let queue = this.queues.find((q) => q.priority === item.priority);
    if (!queue) {
      queue = { priority: item.priority, items: [], head: 0, live: 0 };
      this.queues.push(queue);
      this.queues.sort((a, b) => b.priority - a.priority);
    }
    queue.items.push(item);
    queue.live += 1;
    this.count += 1;
  }

  peek(): T | undefined {
    for (const queue of this.queues) {
      this.skipRemoved(queue);
      if (queue.live > 0) return queue.items[queue.head];
    }
    return undefined;
  }

  shift(): T | undefined {
    const item = this.peek();
    if (item !== undefined) this.remove(item);
    return item;
  }

  /** Takes `item` out of the line wherever it is; false when it was not in it. */
  remove(item: T): boolean {
    const queue = this.queues.find((q) => q.priority === item.priority);
    const index = queue ? queue.items.indexOf(item, queue.head) : -1;
    if (!queue || index < 0) return false;
    queue.items[index] = undefined;
    queue.live -= 1;
    this.count -= 1;
    this.skipRemoved(queue);
    return true;
  }

  /** The waiting items in the order they will be served. */
  *inOrder(): Generator<T> {
    for (const queue of this.queues)
      for (let i = queue.head; i < queue.items.length; i += 1) {
        const item = queue.items[i];
        if (item !== undefined) yield item;
      }
  }

  /** How many wait ahead of `item` (those served before it), counting every higher priority. */
  ahead(item: T): number {
    let count = 0;
    for (const queue of this.queues) {
      if (queue.priority > item.priority) {
        count += queue.live;
        continue;
      }
      if (queue.priority < item.priority) break;
      for (let i = queue.head; i < queue.items.length; i += 1) {
        const other = queue.items[i];
        if (other === item) return count;
        if (other !== undefined) count += 1;
      }
    }
    return count;
  }

  private skipRemoved(queue: { items: (T | undefined)[]; head: number; live: number }): void {
    while (queue.head < queue.items.length && queue.items[queue.head] === undefined) queue.head += 1;
    // Reclaim the served prefix once it dominates the array.
    if (queue.head > 1024 && queue.head * 2 > queue.items.length) {
      queue.items.splice(0, queue.head);
      queue.head = 0;
    }
  }
}
