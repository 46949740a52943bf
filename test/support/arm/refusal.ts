/** What a call through an SDK client was refused with (undefined if it succeeded), for a test to look into. */
export async function refusal<E = unknown>(promise: PromiseLike<unknown>): Promise<E | undefined> {
  return await Promise.resolve(promise).then(
    () => undefined,
    (e: unknown) => e as E,
  );
}
