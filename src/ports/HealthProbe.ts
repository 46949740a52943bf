/** One dependency the health check reaches: resolves when it answers, rejects when it does not. */
export interface HealthProbe {
  readonly name: string;
  check(abortSignal: AbortSignal): Promise<void>;
}
