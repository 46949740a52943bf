/** One DiskSource for every disk kind: each call goes to the source of its disk's kind. */
import type { DiskKind, DiskRef, DiskSnapshot } from '../../domain/disk';
import type { DiskDescription, DiskSource, SnapshotSlot } from '../../ports/DiskSource';

export class DiskSourceByKind implements DiskSource {
  constructor(private readonly sources: Readonly<Partial<Record<DiskKind, DiskSource>>>) {}

  async describe(region: string, disk: DiskRef): Promise<DiskDescription | undefined> {
    return await this.of(disk).describe(region, disk);
  }

  async snapshot(region: string, disk: DiskRef, slot?: SnapshotSlot): Promise<DiskSnapshot> {
    return await this.of(disk).snapshot(region, disk, slot);
  }

  async deleteSnapshot(snapshot: DiskSnapshot): Promise<void> {
    await this.of(snapshot.disk).deleteSnapshot(snapshot);
  }

  private of(disk: DiskRef): DiskSource {
    const source = this.sources[disk.kind];
    if (!source) throw new TypeError(`Disks of kind "${disk.kind}" are not configured here`);
    return source;
  }
}
