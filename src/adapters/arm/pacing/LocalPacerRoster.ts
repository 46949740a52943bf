/**
 * The roster of pacers inside one process (the embedded runtime, where a process is a whole
 * control-plane region, and tests that build services twice in one process): exact, since every
 * member sees a change the moment it happens. A member that joins a scope is admitted at once,
 * because the others' estimates are cut to their new share synchronously, inside `busy`, before
 * the joiner can spend. Across processes, ./CosmosPacerRoster.ts does the same over Cosmos DB.
 */
import type { PacerRoster, RosterView } from './pacerRoster';

interface Member {
  roster: LocalPacerRoster;
  busy: boolean;
  /** Wall-clock ms since when the member has had no calls of the scope. */
  idleSinceMs: number;
  /** Which joining this is: a member that left and came back starts its share afresh. */
  epoch: number;
}

/** The pacers of one principal in this process, by scope. */
export class LocalRosterGroup {
  private readonly scopes = new Map<string, Map<LocalPacerRoster, Member>>();
  private epochs = 0;

  constructor(
    /** How long an idle member keeps its place (and its share), so a caller of one call at a time does not rejoin each time. */
    readonly lingerInMs = 60_000,
    readonly nowMs: () => number = Date.now,
  ) {}

  member(roster: LocalPacerRoster, scope: string): Member | undefined {
    this.expire(scope);
    return this.scopes.get(scope)?.get(roster);
  }

  count(scope: string): number {
    this.expire(scope);
    return this.scopes.get(scope)?.size ?? 0;
  }

  busy(roster: LocalPacerRoster, scope: string, busy: boolean): void {
    this.expire(scope);
    let members = this.scopes.get(scope);
    const current = members?.get(roster);
    if (current) {
      current.busy = busy;
      if (!busy) current.idleSinceMs = this.nowMs();
      return;
    }
    if (!busy) return;
    if (!members) {
      members = new Map();
      this.scopes.set(scope, members);
    }
    this.epochs += 1;
    members.set(roster, { roster, busy, idleSinceMs: this.nowMs(), epoch: this.epochs });
    this.changed(scope);
  }

  leave(roster: LocalPacerRoster): void {
    for (const [scope, members] of this.scopes) if (members.delete(roster)) this.changed(scope);
  }

  /** Members idle longer than the linger leave; the others learn it at once. */
  private expire(scope: string): void {
    const members = this.scopes.get(scope);
    if (!members) return;
    const now = this.nowMs();
    let left = false;
    for (const [roster, member] of members)
      if (!member.busy && now - member.idleSinceMs > this.lingerInMs) {
        members.delete(roster);
        left = true;
      }
    if (left) this.changed(scope);
  }

  private changed(scope: string): void {
    for (const member of [...(this.scopes.get(scope)?.values() ?? [])]) member.roster.notify();
  }
}

export class LocalPacerRoster implements PacerRoster {
  private readonly listeners: (() => void)[] = [];
  private closed = false;

  constructor(private readonly group: LocalRosterGroup) {}

  view(scope: string): RosterView {
    const member = this.closed ? undefined : this.group.member(this, scope);
    return {
      admitted: member !== undefined,
      members: Math.max(1, this.group.count(scope)),
      epoch: member?.epoch ?? 0,
    };
  }

  busy(scope: string, busy: boolean): void {
    if (!this.closed) this.group.busy(this, scope, busy);
  }

  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  notify(): void {
    for (const listener of this.listeners) listener();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.group.leave(this);
    this.notify();
    await Promise.resolve();
  }
}

const groups = new Map<string, LocalRosterGroup>();

/** A new member of this process's roster for the principal of control-plane region `region`. */
export function processPacerRoster(region: string): PacerRoster {
  let group = groups.get(region);
  if (!group) {
    group = new LocalRosterGroup();
    groups.set(region, group);
  }
  return new LocalPacerRoster(group);
}
