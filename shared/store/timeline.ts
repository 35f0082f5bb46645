// DynamoDB repository of the work an iModel records: its changeset timeline, named versions, briefcases and locks.
import { GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import {
  MAX_BRIEFCASE_LOCKS,
  type Briefcase,
  type Changeset,
  type Imodel,
  type Lock,
  type NamedVersion,
} from "../domain/imodel";
import { notFound } from "../errors";
import { busyTimeline, lockHeld, tooManyLocks } from "../errors";
import { changesetAppend } from "./changesets";
import { cancellationReasons, isConditionFailure, strip, type TableRef } from "./dynamo";
import { keys } from "./keys";
import type { Page } from "./page";
import { pageOfPrefix, type PageRequest } from "./partition";
import { shortPause, untilWon } from "./retry";
import { MAX_TRANSACTION_ITEMS, transactRaw, transactWrite, type TransactItem } from "./transact";

/** Locks a push takes for its briefcase. */
export interface LockClaim {
  briefcaseId: string;
  ownerId: string;
  objectIds: string[];
}

export interface TimelineStore {
  /**
   * Appends a changeset at the next index (transaction with the iModel's counter, so concurrent pushes get
   * distinct indexes without gaps) and takes the claimed locks. `idempotent`: the changeset id came from an
   * Idempotency-Key, so a retry answers the changeset appended first. Throws LockHeldByAnotherBriefcase, 404.
   */
  push(
    imodel: Imodel,
    draft: Omit<Changeset, "index">,
    claim: LockClaim | undefined,
    idempotent: boolean,
  ): Promise<{ changeset: Changeset; created: boolean }>;
  listChangesets(imodelId: string, page: PageRequest): Promise<Page<Changeset>>;
  /** Creates it while the iModel exists; answers the existing one when the id is taken (an Idempotency-Key retry). */
  createNamedVersion(imodel: Imodel, version: NamedVersion): Promise<{ namedVersion: NamedVersion; created: boolean }>;
  listNamedVersions(imodelId: string, page: PageRequest): Promise<Page<NamedVersion>>;
  /** Writes the new fields of an existing named version; 404 when it is gone. */
  updateNamedVersion(version: NamedVersion): Promise<NamedVersion>;
  createBriefcase(imodel: Imodel, briefcase: Briefcase): Promise<{ briefcase: Briefcase; created: boolean }>;
  listLocks(imodelId: string, page: PageRequest): Promise<Page<Lock>>;
  /** Releases every lock the briefcase holds (its item lists them); answers how many. */
  releaseLocks(briefcase: Briefcase): Promise<number>;
}

/** Attempts of a push whose index another push took first. */
const PUSH_ATTEMPTS = 10;

export class DynamoTimelineStore implements TimelineStore {
  constructor(private readonly table: TableRef) {}

  async push(imodel: Imodel, draft: Omit<Changeset, "index">, claim: LockClaim | undefined, idempotent: boolean) {
    let count = imodel.changesetCount;
    return untilWon(
      async () => {
        const changeset: Changeset = { ...draft, index: count + 1 };
        const refused = await transactRaw(this.table, this.pushActions(imodel, changeset, claim, idempotent));
        if (!refused) return { changeset, created: true };
        const { reasons } = refused;
        const counter = reasons[0];
        const marker = idempotent ? reasons[2] : undefined;
        const locks = reasons.slice(idempotent ? 3 : 2, claim?.objectIds.length ? -1 : undefined);
        const briefcase = claim?.objectIds.length ? reasons[reasons.length - 1] : undefined;
        if (briefcase?.Code === "ConditionalCheckFailed") {
          if (!briefcase.Item) throw notFound("briefcase", claim!.briefcaseId);
          throw tooManyLocks(claim!.briefcaseId, MAX_BRIEFCASE_LOCKS);
        }
        if (marker?.Code === "ConditionalCheckFailed" && marker.Item) {
          return { changeset: await this.changesetAt(imodel.id, marker.Item.index as number), created: false };
        }
        const held = locks.find((l) => l.Code === "ConditionalCheckFailed" && l.Item);
        if (held) throw lockHeld(held.Item!.objectId as string, held.Item!.briefcaseId as string);
        if (counter?.Code === "ConditionalCheckFailed" && !counter.Item) throw notFound("iModel", imodel.id);
        // Another push took this index (or the transactions collided): read the counter again and retry.
        if (counter?.Code === "ConditionalCheckFailed") count = counter.Item!.changesetCount as number;
        else if (!reasons.some((r) => r.Code === "TransactionConflict" || r.Code === "ConditionalCheckFailed"))
          throw refused.error;
        return undefined;
      },
      { tries: PUSH_ATTEMPTS, pauseMs: shortPause },
      () => {
        throw busyTimeline();
      },
    );
  }

  private pushActions(imodel: Imodel, changeset: Changeset, claim: LockClaim | undefined, idempotent: boolean) {
    const table = this.table.tableName;
    const actions: TransactItem[] = [...changesetAppend(table, imodel, changeset)];
    if (idempotent) {
      actions.push({
        Put: {
          TableName: table,
          Item: { ...keys.changesetById(imodel.id, changeset.id), index: changeset.index },
          ConditionExpression: "attribute_not_exists(pk)",
          ReturnValuesOnConditionCheckFailure: "ALL_OLD",
        },
      });
    }
    const claimed = claim?.objectIds ?? [];
    for (const objectId of claimed) {
      actions.push({
        Update: {
          TableName: table,
          Key: keys.lock(imodel.id, objectId),
          UpdateExpression:
            "SET imodelId = :imodel, objectId = :object, briefcaseId = :briefcase, ownerId = :owner, acquiredAt = if_not_exists(acquiredAt, :at)",
          // A lock is held by one briefcase at a time; the holder keeps it across pushes.
          ConditionExpression: "attribute_not_exists(pk) OR briefcaseId = :briefcase",
          ExpressionAttributeValues: {
            ":imodel": imodel.id,
            ":object": objectId,
            ":briefcase": claim!.briefcaseId,
            ":owner": claim!.ownerId,
            ":at": changeset.pushedAt,
          },
          ReturnValuesOnConditionCheckFailure: "ALL_OLD",
        },
      });
    }
    if (claim && claimed.length) {
      // The briefcase lists what it holds, so releasing reads it with the access check instead of querying the locks.
      actions.push({
        Update: {
          TableName: table,
          Key: keys.briefcase(imodel.id, claim.briefcaseId),
          UpdateExpression: "ADD #locks :ids",
          // At most MAX_BRIEFCASE_LOCKS: what it holds plus what this push names (some may be held already) stays within it.
          ConditionExpression: "attribute_exists(pk) AND (attribute_not_exists(#locks) OR size(#locks) <= :room)",
          ExpressionAttributeNames: { "#locks": "locks" },
          ExpressionAttributeValues: { ":ids": new Set(claimed), ":room": MAX_BRIEFCASE_LOCKS - claimed.length },
          ReturnValuesOnConditionCheckFailure: "ALL_OLD",
        },
      });
    }
    return actions;
  }

  private async changesetAt(imodelId: string, index: number): Promise<Changeset> {
    const out = await this.table.ddb.send(
      new GetCommand({ TableName: this.table.tableName, Key: keys.changeset(imodelId, index), ConsistentRead: true }),
    );
    return strip<Changeset>(out.Item)!;
  }

  listChangesets(imodelId: string, page: PageRequest) {
    return pageOfPrefix<Changeset>(this.table, keys.imodelPartition(imodelId).pk, keys.changesetPrefix, page);
  }

  async createNamedVersion(imodel: Imodel, version: NamedVersion) {
    const existing = await this.putNew(imodel, keys.namedVersion(imodel.id, version.id), version);
    return { namedVersion: existing ?? version, created: !existing };
  }

  listNamedVersions(imodelId: string, page: PageRequest) {
    return pageOfPrefix<NamedVersion>(this.table, keys.imodelPartition(imodelId).pk, keys.namedVersionPrefix, page);
  }

  async updateNamedVersion(version: NamedVersion) {
    try {
      const out = await this.table.ddb.send(
        new UpdateCommand({
          TableName: this.table.tableName,
          Key: keys.namedVersion(version.imodelId, version.id),
          UpdateExpression:
            version.description === undefined
              ? "SET #name = :name, updatedAt = :at REMOVE description"
              : "SET #name = :name, updatedAt = :at, description = :description",
          ConditionExpression: "attribute_exists(pk)",
          ExpressionAttributeNames: { "#name": "name" },
          ExpressionAttributeValues: {
            ":name": version.name,
            ":at": version.updatedAt,
            ...(version.description === undefined ? {} : { ":description": version.description }),
          },
          ReturnValues: "ALL_NEW",
        }),
      );
      return strip<NamedVersion>(out.Attributes)!;
    } catch (error) {
      if (isConditionFailure(error)) throw notFound("named version", version.id);
      throw error;
    }
  }

  async createBriefcase(imodel: Imodel, briefcase: Briefcase) {
    const existing = await this.putNew(imodel, keys.briefcase(imodel.id, briefcase.id), briefcase);
    return { briefcase: existing ?? briefcase, created: !existing };
  }

  listLocks(imodelId: string, page: PageRequest) {
    return pageOfPrefix<Lock>(this.table, keys.imodelPartition(imodelId).pk, keys.lockPrefix, page);
  }

  /**
   * One transaction per 99 locks (one for every briefcase that pushed fewer): each lock the briefcase's
   * item lists is deleted while this briefcase holds it, and the list loses them. A lock another
   * briefcase holds now (released meanwhile and taken again) stays, and is taken off the list.
   */
  async releaseLocks(briefcase: Briefcase) {
    const held = [...(briefcase.locks ?? [])].sort();
    let released = 0;
    for (let i = 0; i < held.length; i += MAX_TRANSACTION_ITEMS - 1) {
      const listed = held.slice(i, i + MAX_TRANSACTION_ITEMS - 1);
      // Whatever happens to each lock, the briefcase's list loses them all.
      const unlist: TransactItem = {
        Update: {
          TableName: this.table.tableName,
          Key: keys.briefcase(briefcase.imodelId, briefcase.id),
          UpdateExpression: "DELETE #locks :ids",
          ExpressionAttributeNames: { "#locks": "locks" },
          ExpressionAttributeValues: { ":ids": new Set(listed) },
        },
      };
      let ours = listed;
      for (;;) {
        const deletes: TransactItem[] = ours.map((objectId) => ({
          Delete: {
            TableName: this.table.tableName,
            Key: keys.lock(briefcase.imodelId, objectId),
            ConditionExpression: "attribute_not_exists(pk) OR briefcaseId = :b",
            ExpressionAttributeValues: { ":b": briefcase.id },
          },
        }));
        try {
          await transactWrite(this.table, [...deletes, unlist]);
          released += ours.length;
          break;
        } catch (error) {
          const reasons = cancellationReasons(error);
          if (!reasons) throw error;
          // Locks another briefcase holds now (released meanwhile and taken again) are not ours: leave them.
          const taken = new Set(ours.filter((_, k) => reasons[k]?.Code === "ConditionalCheckFailed"));
          if (!taken.size) throw error;
          ours = ours.filter((objectId) => !taken.has(objectId));
        }
      }
    }
    return released;
  }

  /**
   * Puts an item of an iModel that must be new, while the iModel exists; answers the item already stored
   * under its key (an Idempotency-Key retry) instead.
   */
  private async putNew<T extends object>(
    imodel: Imodel,
    key: { pk: string; sk: string },
    value: T,
  ): Promise<T | undefined> {
    try {
      await transactWrite(this.table, [
        {
          Put: {
            TableName: this.table.tableName,
            Item: { ...key, ...value },
            ConditionExpression: "attribute_not_exists(pk)",
            ReturnValuesOnConditionCheckFailure: "ALL_OLD",
          },
        },
        {
          ConditionCheck: {
            TableName: this.table.tableName,
            Key: keys.imodel(imodel.itwinId, imodel.id),
            ConditionExpression: "attribute_exists(pk)",
          },
        },
      ]);
      return undefined;
    } catch (error) {
      const [existing, parent] = cancellationReasons(error) ?? [];
      if (existing?.Code === "ConditionalCheckFailed" && existing.Item) return strip<T>(existing.Item);
      if (parent?.Code === "ConditionalCheckFailed") throw notFound("iModel", imodel.id);
      throw error;
    }
  }
}
