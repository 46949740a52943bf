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

/** RFC 4180 quoting; a leading =, +, - or @ is prefixed so a spreadsheet never runs it as a formula. */
function csvField(value: CsvCell): string {
  if (value === undefined) return '';
  let text = String(value);
  if (typeof value === 'string' && /^[=+\-@]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
