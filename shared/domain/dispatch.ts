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
  /** 0 for each tenant's first batch, 1 for its second, ... */
  round: number;
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
      if (slice.length) batches.push({ tenant, round, items: slice.map(({ id, at }) => ({ id, at })) });
    }
  }
  return batches;
}

/** Slots of one tenant: each holds one batch in progress, worked `perBatch` runs at a time, so at most `maxRunning` run at once. */
export const slotsFor = (maxRunning: number, perBatch: number) => Math.max(1, Math.floor(maxRunning / perBatch));

/**
 * The batches as waves to hand on one after another (each wave's batches at once): a round of several
 * tenants is a wave of its own, so every tenant's r-th batch is in the queue before anyone's (r+1)-th;
 * rounds that only one tenant still has are one wave, as nobody waits behind them.
 */
export function waves(batches: readonly DueBatch[]): DueBatch[][] {
  const perRound = new Map<number, number>();
  for (const b of batches) perRound.set(b.round, (perRound.get(b.round) ?? 0) + 1);
  const out: DueBatch[][] = [];
  let lastRound = -1;
  let lastAlone = false;
  for (const batch of batches) {
    // Rounds only shrink, so rounds of one batch are the last tenant's tail.
    const alone = perRound.get(batch.round) === 1;
    if (out.length && (batch.round === lastRound || (alone && lastAlone))) out[out.length - 1]!.push(batch);
    else out.push([batch]);
    lastRound = batch.round;
    lastAlone = alone;
  }
  return out;
}
