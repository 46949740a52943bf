/**
 * Paging through an API list one page per request: the continuation tokens of the pages seen so
 * far, so Previous goes back without reloading everything before it.
 */
export interface PageStack {
  /** The token of each page up to the current one; the first page has none. */
  tokens: readonly (string | undefined)[];
}

export const firstPage: PageStack = { tokens: [undefined] };

export function currentToken(stack: PageStack): string | undefined {
  return stack.tokens[stack.tokens.length - 1];
}

export function pageNumber(stack: PageStack): number {
  return stack.tokens.length;
}

export function nextPage(stack: PageStack, continuationToken: string): PageStack {
  return { tokens: [...stack.tokens, continuationToken] };
}

export function previousPage(stack: PageStack): PageStack {
  return stack.tokens.length > 1 ? { tokens: stack.tokens.slice(0, -1) } : stack;
}

export function hasPrevious(stack: PageStack): boolean {
  return stack.tokens.length > 1;
}
