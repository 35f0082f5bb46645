// DynamoDB side of dispatch: pages of due runs from the `due` index (with their organisation), and the per-organisation slots workers hold.
import { DeleteCommand, PutCommand, QueryCommand } from "@aws-sdk/lib-dynamodb";
import type { DueItem } from "../domain/dispatch";
import { isConditionFailure, type TableRef } from "./dynamo";

/** Where a partition's reading stopped: DynamoDB's LastEvaluatedKey of the `due` index, as it gave it. */
export type DueCursor = Record<string, unknown>;

export const slotKeys = (tenant: string, slot: number) => ({ pk: `SLOTS#${tenant}`, sk: `SLOT#${slot}` });

export class DynamoDispatchStore {
  constructor(private readonly table: TableRef) {}

  /**
   * One page of due runs of one `due` partition, oldest first, from `after` on. The index projects the
   * whole connection, so its organisation (or, for older connections, its iTwin) comes in the same read.
   */
  async duePage(
    partition: string,
    now: Date,
    after: DueCursor | undefined,
    limit: number,
  ): Promise<{ items: DueItem[]; next?: DueCursor }> {
    const out = await this.table.ddb.send(
      new QueryCommand({
        TableName: this.table.tableName,
        IndexName: "due",
        KeyConditionExpression: "duePk = :pk AND dueSk <= :now",
        ExpressionAttributeValues: { ":pk": partition, ":now": `${now.toISOString()}#\uffff` },
        ProjectionExpression: "dueSk, orgId, itwinId",
        ExclusiveStartKey: after,
        Limit: limit,
      }),
    );
    const items = (out.Items ?? []).map((item) => {
      const sk = item.dueSk as string;
      const cut = sk.indexOf("#");
      return {
        at: sk.slice(0, cut),
        id: sk.slice(cut + 1),
        tenant: (item.orgId as string | undefined) ?? `itwin:${item.itwinId as string}`,
      };
    });
    return { items, next: out.LastEvaluatedKey };
  }

  /**
   * Takes one of the tenant's `slots` until `until`, for `holder`: a slot is free when nobody holds it or its
   * holder's lease ran out (a worker that died frees its slot by time). Returns the slot taken, or undefined.
   */
  async takeSlot(tenant: string, slots: number, holder: string, now: Date, until: Date): Promise<number | undefined> {
    const first = Math.floor(Math.random() * slots);
    for (let i = 0; i < slots; i++) {
      const slot = (first + i) % slots;
      try {
        await this.table.ddb.send(
          new PutCommand({
            TableName: this.table.tableName,
            Item: { ...slotKeys(tenant, slot), holder, until: until.toISOString() },
            ConditionExpression: "attribute_not_exists(pk) OR #until < :now",
            ExpressionAttributeNames: { "#until": "until" },
            ExpressionAttributeValues: { ":now": now.toISOString() },
          }),
        );
        return slot;
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
    }
    return undefined;
  }

  /** Gives the slot back, if `holder` still holds it (after a lease ran out, another worker may). */
  async releaseSlot(tenant: string, slot: number, holder: string): Promise<void> {
    try {
      await this.table.ddb.send(
        new DeleteCommand({
          TableName: this.table.tableName,
          Key: slotKeys(tenant, slot),
          ConditionExpression: "holder = :holder",
          ExpressionAttributeValues: { ":holder": holder },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }
}
