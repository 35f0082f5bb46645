// How due runs are cut into batches for the workers: every organisation with due work gets a batch before any gets another.

export interface DueItem {
  /** The connection's id. */
  id: string;
  /** The due time the index held when it was read: with the id it names the run (`mintRunId`). */
  at: string;
  /** Whose work it is: the organisation, or the iTwin for a connection written before it carried one. */
  tenant: string;
}

export interface DueBatch {
  tenant: string;
  items: { id: string; at: string }[];
}

/**
 * Cuts `items` into batches of at most `size` items of one tenant each, in rounds: round r holds the
 * r-th batch of every tenant that has one. Within a tenant, oldest first; tenants in the order of their
 * oldest item, so the order is the same however the index pages came in.
 */
export function interleave(items: readonly DueItem[], size: number): DueBatch[] {
  const byTenant = new Map<string, DueItem[]>();
  for (const item of [...items].sort((a, b) => a.at.localeCompare(b.at) || a.id.localeCompare(b.id))) {
    const list = byTenant.get(item.tenant);
    if (list) list.push(item);
    else byTenant.set(item.tenant, [item]);
  }
  const queues = [...byTenant.entries()];
  const batches: DueBatch[] = [];
  for (let round = 0; queues.some(([, list]) => list.length > round * size); round++) {
    for (const [tenant, list] of queues) {
      const slice = list.slice(round * size, (round + 1) * size);
      if (slice.length) batches.push({ tenant, items: slice.map(({ id, at }) => ({ id, at })) });
    }
  }
  return batches;
}

/** Slots of one tenant: each holds one batch in progress, worked `perBatch` runs at a time, so at most `maxRunning` run at once. */
export const slotsFor = (maxRunning: number, perBatch: number) => Math.max(1, Math.floor(maxRunning / perBatch));
