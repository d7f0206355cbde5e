// Who gives up a slot when the server is full (server/admission.ts): connection slots and the
// slots of sockets still in their upgrade are shared by address, and a newcomer takes one from
// the address group holding the most, as long as that group holds more than the newcomer's
// would with it. So with N groups present each keeps at least about max / N: one group cannot
// keep a newcomer out by holding many slots, only by being one of max groups holding one each.
//
// A group is an IPv4 address, or an IPv6 /48: one site's usual allocation, which holds 65,536
// of the /64s the per-address caps count by, so a site cannot pass for many addresses here.

/** The group an address key (addressKey: an IPv4 address or an IPv6 /64) is shared by. */
export function groupKey(address: string): string {
  if (!address.endsWith('::/64')) return address;
  return `${address.slice(0, -'::/64'.length).split(':').slice(0, 3).join(':')}::/48`;
}

export class SlotShares<T> {
  /** Members by group, oldest first (a Set keeps insertion order). */
  private readonly groups = new Map<string, Set<T>>();
  private readonly memberGroup = new Map<T, string>();

  add(member: T, group: string): void {
    let set = this.groups.get(group);
    if (set === undefined) this.groups.set(group, (set = new Set()));
    set.add(member);
    this.memberGroup.set(member, group);
  }

  /** Removes `member`; false if it was not there (already removed). */
  remove(member: T): boolean {
    const group = this.memberGroup.get(member);
    if (group === undefined) return false;
    this.memberGroup.delete(member);
    const set = this.groups.get(group)!;
    set.delete(member);
    if (set.size === 0) this.groups.delete(group);
    return true;
  }

  get size(): number {
    return this.memberGroup.size;
  }

  /** Groups holding at least one slot. */
  get groupCount(): number {
    return this.groups.size;
  }

  count(group: string): number {
    return this.groups.get(group)?.size ?? 0;
  }

  /**
   * The member to give up its slot to a newcomer of `group`: `choose` picks among the members
   * of the groups holding more than the newcomer's would (largest group first; it gets the
   * members oldest first and the group's size), or says none of them (null). Not removed here.
   */
  reclaimFor(group: string, choose: (members: ReadonlySet<T>) => T | null): T | null {
    const limit = this.count(group) + 1;
    const larger = [...this.groups.values()].filter((s) => s.size > limit).sort((a, b) => b.size - a.size);
    for (const members of larger) {
      const pick = choose(members);
      if (pick !== null) return pick;
    }
    return null;
  }
}
