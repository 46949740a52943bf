/** What the compute and network handlers (issue 29) share, beside the double's ArmContext. */
import type { ComputeControls } from './computeControls';
import type { ComputeThrottle } from './computeThrottle';
import type { ArmContext } from './context';
import type { SkuCatalogue } from './skuCatalogue';

export interface ComputeContext extends ArmContext {
  catalogue: SkuCatalogue;
  controls: ComputeControls;
  computeThrottle: ComputeThrottle;
  /** Simulated ms (rules vm.provisioning.model, vm.allocation.failed). */
  vmProvisionMs: number;
  agentReadyMs: number;
  allocationFailureMs: number;
}
