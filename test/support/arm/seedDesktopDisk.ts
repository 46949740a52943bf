/**
 * A Cloud PC's OS disk seeded in the ARM double, as the managed-disk system tests start from: a
 * 16 GiB Windows Gen 2 Trusted Launch disk named `${name}-os` in the primary region, attached to a
 * Standard_D2s_v5 VM named `vm-${name}`. Any field of the seed may be set otherwise.
 */
import type { ArmDouble, SeedDisk } from './startArmDouble';

export interface DesktopDisk extends Partial<SeedDisk> {
  subscriptionId: string;
  /** The desktop's name: its disk is `${name}-os`, its VM `vm-${name}` unless `vm` is given. */
  name: string;
}

/** Seeds the desktop's OS disk (and its VM) and returns the disk's ARM id. */
export async function seedDesktopDisk(
  double: Pick<ArmDouble, 'seedDisk'>,
  { name, ...seed }: DesktopDisk,
): Promise<string> {
  return await double.seedDisk({
    resourceGroup: 'rg-desktops',
    name: `${name}-os`,
    location: 'westeurope',
    sizeGB: 16,
    osType: 'Windows',
    hyperVGeneration: 'V2',
    securityType: 'TrustedLaunch',
    vm: { name: `vm-${name}`, size: 'Standard_D2s_v5' },
    ...seed,
  });
}
