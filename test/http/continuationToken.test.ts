import { describe, expect, it } from 'vitest';
import { decodeContinuationToken, encodeContinuationToken } from '../../src/http/continuationToken';

const cosmosToken = '{"token":"+RID:gAABAIAAAAMFAAAAAAAAAA==#RT:1#TRC:1","range":{"min":"","max":"FF"}}';
const b64url = (bytes: Buffer | string) => Buffer.from(bytes).toString('base64url');

describe('continuation tokens', () => {
  it.each([
    ['a JSON token', cosmosToken],
    ['a composite token', `[${cosmosToken}]`],
    ['a +RID token', '+RID:~gAABAIAAAAMFAAAAAAAAAA==#RT:1#TRC:1'],
  ])('round-trip %s', (_what, token) => {
    expect(decodeContinuationToken(encodeContinuationToken(token))).toBe(token);
  });

  it('passes undefined through', () => {
    expect(decodeContinuationToken(undefined)).toBeUndefined();
    expect(encodeContinuationToken(undefined)).toBeUndefined();
  });

  // Found by the fuzz suite: a real token with bytes added or cut decoded to characters Node
  // refuses in the Cosmos DB request's header, and the request answered 500.
  it.each([
    ['bytes appended to a real token', `${encodeContinuationToken(cosmosToken)!}AAAA`],
    ['a real token cut short', encodeContinuationToken(cosmosToken)!.slice(0, 31)],
    ['a non-ASCII character', b64url('{"token":"\u20ac"}')],
    ['a control character', b64url('{"token":"a\r\nx-ms-documentdb-partitionkey: x"}')],
    [
      'bytes that are not UTF-8',
      b64url(Buffer.concat([Buffer.from('{"token":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')])),
    ],
    ['JSON that does not parse', b64url(`{'token':'x'}`)],
    ['a truncated JSON token', b64url(cosmosToken.slice(0, 40))],
    ['text that is no token', b64url('hello')],
    ['characters outside base64url', 'not a token!'],
    ['padding', `${encodeContinuationToken(cosmosToken)!}==`],
    ['nothing', ''],
  ])('refuses %s, naming the field', (_what, token) => {
    expect(() => decodeContinuationToken(token)).toThrow(
      expect.objectContaining({ code: 'invalid-continuation-token', field: 'query.continuationToken' }),
    );
  });
});
