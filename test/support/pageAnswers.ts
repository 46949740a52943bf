/**
 * Every API answer a portal page got, with the length of each list it held, checked against the
 * page size its request asked for: the portal must never load more than one page of a list (a
 * fleet has 50,000 devices). Used by the browser tests and by the portal's benchmark.
 */
import type { Page, Response } from 'playwright-core';
import { HttpLimits } from '../../src/http/limits';

export interface PageAnswer {
  method: string;
  url: string;
  status: number;
  /** The request's `pageSize`, or the API's default when it named none. */
  pageSize: number;
  /** Whether `pageSize` was in the request's URL. */
  askedPageSize: boolean;
  /** Length of each top-level array of the body, by its key. */
  lists: Record<string, number>;
  /** The longest of the lists that are pages (every one but the summaries below); 0 for none. */
  longestPage: number;
  continuationToken?: string;
  /** The body could not be read (the page went away first): recorded, not checked. */
  unread?: true;
}

/**
 * Arrays of an answer that are not pages of a list: one row per policy or per primary region in
 * the compliance summary, capacity warnings per backup region. They are bounded by the tenant's
 * configuration (a handful of policies and regions), not by its fleet, and come whole with any
 * page size (the device filters ask for the summary with `pageSize=1`).
 */
export const summaryLists: ReadonlySet<string> = new Set(['byPolicy', 'byPrimaryRegion', 'capacityWarnings']);

export class PageAnswers {
  readonly answers: PageAnswer[] = [];
  private readonly pending = new Set<Promise<void>>();

  /** Records every JSON answer under `/api/` that `page` gets from now on. */
  watch(page: Page): void {
    page.on('response', (response) => {
      const recording = this.record(response).finally(() => this.pending.delete(recording));
      this.pending.add(recording);
    });
  }

  /** Waits for the bodies of answers already received to be read. */
  async settled(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  /** Answers whose body could not be read. */
  unread(): PageAnswer[] {
    return this.answers.filter((a) => a.unread);
  }

  /** Answers holding a page longer than the page size their request asked for. */
  overPage(): PageAnswer[] {
    return this.answers.filter((a) => a.longestPage > a.pageSize);
  }

  /** The answers whose URL path ends with `pathEnd` (before the query). */
  to(pathEnd: string | RegExp): PageAnswer[] {
    return this.answers.filter((a) => {
      const path = new URL(a.url).pathname;
      return typeof pathEnd === 'string' ? path.endsWith(pathEnd) : pathEnd.test(path);
    });
  }

  private async record(response: Response): Promise<void> {
    const url = new URL(response.url());
    if (!url.pathname.startsWith('/api/')) return;
    if (!(response.headers()['content-type'] ?? '').includes('json')) return;
    // A body the browser dropped (a navigation away) cannot be read; it was not shown either.
    const body = (await response.json().catch(() => undefined)) as unknown;
    if (body === undefined) {
      this.push(response, url, {}, 0, undefined, true);
      return;
    }
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      const length = Array.isArray(body) ? body.length : 0;
      this.push(response, url, { '(array)': length }, length, undefined);
      return;
    }
    const lists: Record<string, number> = {};
    for (const [key, value] of Object.entries(body)) if (Array.isArray(value)) lists[key] = value.length;
    const pages = Object.entries(lists).filter(([key]) => !summaryLists.has(key));
    const token = (body as { continuationToken?: unknown }).continuationToken;
    this.push(
      response,
      url,
      lists,
      Math.max(0, ...pages.map(([, length]) => length)),
      typeof token === 'string' ? token : undefined,
    );
  }

  private push(
    response: Response,
    url: URL,
    lists: Record<string, number>,
    longestPage: number,
    continuationToken: string | undefined,
    unread?: true,
  ): void {
    const asked = url.searchParams.get('pageSize');
    this.answers.push({
      method: response.request().method(),
      url: url.toString(),
      status: response.status(),
      pageSize: asked === null ? HttpLimits.defaultPageSize : Number(asked),
      askedPageSize: asked !== null,
      lists,
      longestPage,
      ...(continuationToken ? { continuationToken } : {}),
      ...(unread ? { unread } : {}),
    });
  }
}
