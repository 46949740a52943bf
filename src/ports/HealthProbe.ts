/** One dependency the health check reaches: resolves when it answers, rejects when it does not. */
export interface HealthProbe {
  readonly name: string;
  /**
   * False for what this region can serve without: another region's storage. Its loss is exactly
   * what a disaster looks like, and the control plane must stay in rotation to handle it.
   */
  readonly essential: boolean;
  check(abortSignal: AbortSignal): Promise<void>;
}
