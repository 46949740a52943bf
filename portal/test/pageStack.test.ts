import { describe, expect, it } from 'vitest';
import {
  currentToken,
  firstPage,
  hasPrevious,
  nextPage,
  pageNumber,
  previousPage,
} from '../src/logic/pageStack';

describe('page stack', () => {
  it('starts on the first page, with no token and nothing before it', () => {
    expect(currentToken(firstPage)).toBeUndefined();
    expect(pageNumber(firstPage)).toBe(1);
    expect(hasPrevious(firstPage)).toBe(false);
  });

  it('goes forward with the token the API gave, and back to the token before', () => {
    const second = nextPage(firstPage, 't2');
    const third = nextPage(second, 't3');
    expect(currentToken(third)).toBe('t3');
    expect(pageNumber(third)).toBe(3);
    expect(currentToken(previousPage(third))).toBe('t2');
    expect(currentToken(previousPage(previousPage(third)))).toBeUndefined();
  });

  it('stays on the first page when asked to go before it', () => {
    expect(previousPage(firstPage)).toBe(firstPage);
  });
});
