/** CSV exports (RFC 4180) streamed as their rows are read. */

export type CsvCell = string | number | undefined;

/** Rows leave as they are read, so an export of 50,000 rows never sits whole in memory. */
export function csvStream<T>(
  columns: readonly string[],
  rows: AsyncIterable<T>,
  cells: (row: T) => CsvCell[],
): ReadableStream<Uint8Array> {
  const encoder = new TextEncoder();
  const iterator = rows[Symbol.asyncIterator]();
  let headerSent = false;
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!headerSent) {
        headerSent = true;
        controller.enqueue(encoder.encode(`${columns.join(',')}\r\n`));
        return;
      }
      const next = await iterator.next();
      if (next.done) {
        controller.close();
        return;
      }
      controller.enqueue(encoder.encode(`${cells(next.value).map(csvField).join(',')}\r\n`));
    },
    async cancel() {
      await iterator.return?.();
    },
  });
}

/**
 * Reads the first row before the answer's status goes out: an export whose first read fails (a
 * region whose audit table does not answer) then answers 503 within the request's bound, rather
 * than a 200 that breaks off. The rows after it are read as the client takes them.
 */
export async function primed<T>(rows: AsyncIterable<T>): Promise<AsyncIterable<T>> {
  const iterator = rows[Symbol.asyncIterator]();
  let first: IteratorResult<T> | undefined = await iterator.next();
  const rest: AsyncIterator<T> = {
    next: async () => {
      if (first === undefined) return await iterator.next();
      const taken = first;
      first = undefined;
      return taken;
    },
    return: async () => (await iterator.return?.()) ?? { done: true, value: undefined },
  };
  return { [Symbol.asyncIterator]: () => rest };
}

/** RFC 4180 quoting; a leading =, +, - or @ is prefixed so a spreadsheet never runs it as a formula. */
function csvField(value: CsvCell): string {
  if (value === undefined) return '';
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
