/** `vms()`, `disks()` and `nics()` on the double's handle: what exists and what was deleted, for assertions. */
import type { ComputeContext } from './computeContext';
import { madeVmState } from './representations';
import type { DiskView, NicView, VmView } from './types';

export function computeViews(ctx: ComputeContext): {
  vms: () => VmView[];
  disks: () => DiskView[];
  nics: () => NicView[];
} {
  const { store } = ctx;
  return {
    vms: () => {
      const now = ctx.clock.now();
      return [...store.vms.values(), ...store.deletedVms].flatMap((vm): VmView[] => {
        const made = vm.made;
        if (!made) return [];
        const state = madeVmState(made, now);
        return [
          {
            id: vm.id,
            name: vm.name,
            subscriptionId: vm.subscriptionId,
            resourceGroup: vm.resourceGroup,
            location: vm.location,
            size: vm.size,
            zone: vm.zone,
            provisioningState: made.deleted ? 'Deleted' : state,
            error: state === 'Failed' && made.failure ? { ...made.failure } : undefined,
            agentReady: state === 'Succeeded' && now >= made.agentReadyAt,
            osDiskId: vm.osDiskId,
            nicIds: made.nics.map((n) => n.id),
            securityType: made.securityType,
            capacityReservationGroupId: made.capacityReservationGroupId,
            tags: { ...made.tags },
            sizesTried: [...made.sizesTried],
            timeCreated: made.timeCreated,
            deleted: made.deleted,
          },
        ];
      });
    },
    disks: () =>
      [...new Set([...store.disks.values(), ...store.deletedDisks])].flatMap((d): DiskView[] =>
        d.made
          ? [
              {
                id: d.id,
                name: d.seed.name,
                location: d.seed.location,
                zone: d.seed.zone,
                sourceResourceId: d.made.sourceResourceId,
                managedBy: d.managedBy,
                securityType: d.seed.securityType,
                hyperVGeneration: d.seed.hyperVGeneration,
                tags: { ...d.made.tags },
                deleted: d.made.deleted,
              },
            ]
          : [],
      ),
    nics: () =>
      [...store.nics.values(), ...store.deletedNics].map((n) => ({
        id: n.id,
        name: n.name,
        location: n.location,
        subnetId: n.subnetId,
        virtualMachineId: n.virtualMachineId,
        tags: { ...n.tags },
        deleted: n.deleted,
      })),
  };
}
