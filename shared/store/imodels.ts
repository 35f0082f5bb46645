// DynamoDB repository of iModels: the one-request access read, iModel lists, per-iModel access lists and interaction records.
import { DeleteCommand, GetCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { Connection, Run } from "../domain/connection";
import type { AccessEntry, Briefcase, Imodel, Interaction, NamedVersion } from "../domain/imodel";
import type { CustomRole, Itwin, TeamMember } from "../domain/itwin";
import type { ChangeBy } from "../domain/audit";
import type { Member } from "../domain/organization";
import { orgOfItwin } from "../child-ids";
import type { SyncOwner } from "../domain/sync-token";
import { notFound } from "../errors";
import { concurrentChange } from "../errors";
import { cancellationReasons, isConditionFailure, strip, type TableRef } from "./dynamo";
import { accessListChange, auditPut } from "./audit";
import { purgeConnections } from "./connection-purge";
import { assignmentActions, assignmentFailureOf } from "./role-use";
import { keys } from "./keys";
import { decodeCursor, encodeCursor, type Page } from "./page";
import { allOfPrefix, batchGetMany, deleteAll, queryPrefix, transactWrite, type PageRequest } from "./partition";

export type { AccessExtras, AccessRead } from "./imodel-access-read";
import type { AccessExtras, AccessRead } from "./imodel-access-read";

export interface ImodelStore {
  /** Creates the iModel (and the creator's interaction); answers the existing one when the id is taken; 404 when the iTwin is gone. */
  create(imodel: Imodel, interaction: Interaction): Promise<{ imodel: Imodel; created: boolean }>;
  /**
   * Exactly one strongly consistent BatchGetItem: the iTwin, the iModel, the caller's organisation
   * membership, team member item, list entry and interaction record (unless `interactionKnown`), and
   * optionally a briefcase or named version of the iModel.
   */
  readAccess(imodelId: string, itwinId: string, userId: string, also?: AccessExtras): Promise<AccessRead>;
  /**
   * What effective permissions need: the iTwin (a deleted one ends access at once), the iModel, the
   * caller's organisation membership (a removal ends access at once), team member item and list entry,
   * and their interaction record, since asking counts as an interaction (one BatchGetItem of 6 keys; 5 when
   * `interactionKnown`, the record being known to be today's).
   */
  readPermissions(
    imodelId: string,
    itwinId: string,
    userId: string,
    interactionKnown?: boolean,
  ): Promise<Pick<AccessRead, "itwin" | "imodel" | "member" | "entry" | "interaction" | "orgMember">>;
  /** A page of the iTwin's iModels that `visible` keeps; reads the caller's list entries of listed iModels alongside. */
  list(
    itwinId: string,
    userId: string,
    page: PageRequest,
    visible: (imodel: Imodel, entry: AccessEntry | undefined) => boolean,
  ): Promise<Page<Imodel>>;
  /** Removes the iModel item: access to it and to everything inside it ends at once (every route reads the item). */
  delete(imodel: Imodel): Promise<void>;
  /** Removes everything the iModel's partition holds (the worker's job after `delete`). */
  purge(imodelId: string): Promise<void>;
  /** Removes access entries of list versions before `version`: every check already ignores them, so this only saves storage. */
  removeStaleEntries(imodelId: string, version: number): Promise<void>;
  /** The entries of the iModel's own list as read in `imodel` (one strongly consistent Query); [] when it has none. */
  accessEntries(imodel: Imodel): Promise<AccessEntry[]>;
  /**
   * Replaces the own list atomically (at most MAX_LIST_ENTRIES entries); ConcurrentChange when another change landed
   * since `imodel` was read. The audit entry (`by` the actor, from the list `before`, null when none) is in the same
   * transaction; `roles`: the custom roles the entries name, as read (each is moved in the same transaction: role-use.ts).
   */
  setAccessList(
    imodel: Imodel,
    entries: Omit<AccessEntry, "listVersion">[],
    before: AccessEntry[] | null,
    by: ChangeBy,
    roles?: readonly CustomRole[],
  ): Promise<Imodel>;
  clearAccessList(imodel: Imodel, before: AccessEntry[], by: ChangeBy): Promise<Imodel>;
  /** At most one write per user, iModel and UTC day: conditional on the stored day being another one. */
  recordInteraction(imodelId: string, userId: string, at: Date, day: string): Promise<void>;
  /** One strongly consistent GetItem. */
  hasInteracted(imodelId: string, userId: string): Promise<boolean>;
}

/** The caller's membership of the organisation the iTwin's id names; undefined for an id that names none. */
const orgMemberKey = (itwinId: string, userId: string) => {
  const orgId = orgOfItwin(itwinId);
  return orgId ? keys.member(orgId, userId) : undefined;
};

export class DynamoImodelStore implements ImodelStore {
  constructor(private readonly table: TableRef) {}

  async create(imodel: Imodel, interaction: Interaction) {
    try {
      await transactWrite(this.table, [
        {
          Put: {
            TableName: this.table.tableName,
            Item: { ...keys.imodel(imodel.itwinId, imodel.id), ...imodel },
            ConditionExpression: "attribute_not_exists(pk)",
            ReturnValuesOnConditionCheckFailure: "ALL_OLD",
          },
        },
        {
          ConditionCheck: {
            TableName: this.table.tableName,
            Key: keys.itwin(imodel.itwinId),
            ConditionExpression: "attribute_exists(pk)",
          },
        },
        {
          Put: {
            TableName: this.table.tableName,
            Item: { ...keys.interaction(imodel.id, interaction.userId), ...interaction },
          },
        },
      ]);
      return { imodel, created: true };
    } catch (error) {
      const [existing, itwin] = cancellationReasons(error) ?? [];
      if (existing?.Code === "ConditionalCheckFailed" && existing.Item)
        return { imodel: strip<Imodel>(existing.Item)!, created: false };
      if (itwin?.Code === "ConditionalCheckFailed") throw notFound("iTwin", imodel.itwinId);
      throw error;
    }
  }

  async readPermissions(imodelId: string, itwinId: string, userId: string, interactionKnown = false) {
    const orgMember = orgMemberKey(itwinId, userId);
    const interaction = interactionKnown ? undefined : keys.interaction(imodelId, userId);
    const wanted = [
      keys.itwin(itwinId),
      keys.imodel(itwinId, imodelId),
      keys.itwinMember(itwinId, userId),
      keys.imodelAccess(imodelId, userId),
    ];
    const items = await batchGetMany(this.table, [
      ...wanted,
      ...(interaction ? [interaction] : []),
      ...(orgMember ? [orgMember] : []),
    ]);
    const find = <T>(key: { pk: string; sk: string }) =>
      strip<T>(items.find((i) => i.pk === key.pk && i.sk === key.sk));
    return {
      itwin: find<Itwin>(wanted[0]!),
      imodel: find<Imodel>(wanted[1]!),
      member: find<TeamMember>(wanted[2]!),
      entry: find<AccessEntry>(wanted[3]!),
      interaction: interaction && find<Interaction>(interaction),
      orgMember: orgMember && find<Member>(orgMember),
    };
  }

  async readAccess(imodelId: string, itwinId: string, userId: string, also: AccessExtras = {}) {
    // The other user's record is the caller's own when they act on themselves: then it is read whatever is known.
    const skip = also.interactionKnown && also.otherUserId !== userId;
    const interaction = skip ? undefined : keys.interaction(imodelId, userId);
    const wanted = [
      keys.itwin(itwinId),
      keys.imodel(itwinId, imodelId),
      keys.itwinMember(itwinId, userId),
      keys.imodelAccess(imodelId, userId),
      ...(interaction ? [interaction] : []),
      ...(also.briefcaseId ? [keys.briefcase(imodelId, also.briefcaseId)] : []),
      ...(also.namedVersionId ? [keys.namedVersion(imodelId, also.namedVersionId)] : []),
      ...(also.connectionId ? [keys.connection(imodelId, also.connectionId)] : []),
      ...(also.runId ? [keys.run(also.runId)] : []),
      // BatchGetItem refuses a key twice: the caller's own items are already in the list.
      ...(also.otherUserId && also.otherUserId !== userId
        ? [
            keys.itwinMember(itwinId, also.otherUserId),
            keys.interaction(imodelId, also.otherUserId),
            keys.imodelAccess(imodelId, also.otherUserId),
          ]
        : []),
      ...(also.syncOwnerId ? [keys.syncToken(also.syncOwnerId)] : []),
      ...(also.callerToken && also.syncOwnerId !== userId ? [keys.syncToken(userId)] : []),
    ];
    const teamKeys = [...new Set(also.teamUserIds ?? [])]
      .filter((u) => u !== userId)
      .map((u) => keys.itwinMember(itwinId, u));
    const roleKeys = [...new Set(also.roleIds ?? [])].map((r) => keys.itwinRole(itwinId, r));
    const orgMember = orgMemberKey(itwinId, userId);
    // One request up to 100 keys (an access list of up to 98 users fits with its roles in the common case).
    const items = await batchGetMany(this.table, [
      ...wanted,
      ...(orgMember ? [orgMember] : []),
      ...teamKeys,
      ...roleKeys,
    ]);
    const find = <T>(key: { pk: string; sk: string }) =>
      strip<T>(items.find((i) => i.pk === key.pk && i.sk === key.sk));
    return {
      itwin: find<Itwin>(wanted[0]!),
      imodel: find<Imodel>(wanted[1]!),
      member: find<TeamMember>(wanted[2]!),
      orgMember: orgMember && find<Member>(orgMember),
      entry: find<AccessEntry>(wanted[3]!),
      interaction: interaction && find<Interaction>(interaction),
      briefcase: also.briefcaseId ? find<Briefcase>(keys.briefcase(imodelId, also.briefcaseId)) : undefined,
      namedVersion: also.namedVersionId
        ? find<NamedVersion>(keys.namedVersion(imodelId, also.namedVersionId))
        : undefined,
      connection: also.connectionId ? find<Connection>(keys.connection(imodelId, also.connectionId)) : undefined,
      run: also.runId ? find<Run>(keys.run(also.runId)) : undefined,
      other: also.otherUserId
        ? {
            member: find<TeamMember>(keys.itwinMember(itwinId, also.otherUserId)),
            interaction: find<Interaction>(keys.interaction(imodelId, also.otherUserId)),
            entry: find<AccessEntry>(keys.imodelAccess(imodelId, also.otherUserId)),
          }
        : undefined,
      syncOwner: also.syncOwnerId ? find<SyncOwner>(keys.syncToken(also.syncOwnerId)) : undefined,
      callerSyncOwner: also.callerToken ? find<SyncOwner>(keys.syncToken(userId)) : undefined,
      ...(also.teamUserIds
        ? {
            team: [...new Set(also.teamUserIds)]
              .map((u) => find<TeamMember>(keys.itwinMember(itwinId, u)))
              .filter((m) => m !== undefined),
          }
        : {}),
      ...(also.roleIds ? { roles: roleKeys.map((k) => find<CustomRole>(k)).filter((r) => r !== undefined) } : {}),
    };
  }

  async list(
    itwinId: string,
    userId: string,
    page: PageRequest,
    visible: (imodel: Imodel, entry: AccessEntry | undefined) => boolean,
  ) {
    const pk = keys.itwin(itwinId).pk;
    const items: Imodel[] = [];
    let start = decodeCursor(page.cursor, { pk }, { name: "sk", prefix: keys.imodelPrefix });
    // Pages are filled: iModels the caller may not view are skipped, and the next cursor points after the last one answered.
    for (;;) {
      const batch = await queryPrefix(this.table, pk, keys.imodelPrefix, { limit: page.limit, start });
      const imodels = batch.items.map((i) => strip<Imodel>(i)!);
      const listed = imodels.filter((m) => m.ownAccessList);
      const entries = await batchGetMany(
        this.table,
        listed.map((m) => keys.imodelAccess(m.id, userId)),
      );
      const entryOf = new Map(entries.map((e) => [e.imodelId as string, strip<AccessEntry>(e)!]));
      for (const [i, imodel] of imodels.entries()) {
        if (!visible(imodel, entryOf.get(imodel.id))) continue;
        items.push(imodel);
        const lastOfAll = i === imodels.length - 1 && !batch.lastKey;
        if (items.length === page.limit)
          return { items, next: lastOfAll ? undefined : encodeCursor(keys.imodel(itwinId, imodel.id)) };
      }
      if (!batch.lastKey) return { items };
      start = batch.lastKey;
    }
  }

  async delete(imodel: Imodel) {
    await this.table.ddb.send(
      new DeleteCommand({ TableName: this.table.tableName, Key: keys.imodel(imodel.itwinId, imodel.id) }),
    );
  }

  async purge(imodelId: string) {
    await purgeConnections(this.table, imodelId);
    await deleteAll(this.table, await allOfPrefix(this.table, keys.imodelPartition(imodelId).pk, ""));
  }

  /** The iModel item's part of a list change: a new version, only if nobody changed the list since it was read. */
  private flip(imodel: Imodel, ownAccessList: boolean) {
    return {
      Update: {
        TableName: this.table.tableName,
        Key: keys.imodel(imodel.itwinId, imodel.id),
        UpdateExpression: "SET ownAccessList = :own, accessListVersion = :next",
        ConditionExpression: "attribute_exists(pk) AND accessListVersion = :read",
        ExpressionAttributeValues: {
          ":own": ownAccessList,
          ":next": imodel.accessListVersion + 1,
          ":read": imodel.accessListVersion,
        },
        ReturnValuesOnConditionCheckFailure: "ALL_OLD" as const,
      },
    };
  }

  private async changeList(
    imodel: Imodel,
    ownAccessList: boolean,
    entries: Omit<AccessEntry, "listVersion">[],
    before: AccessEntry[] | null,
    by: ChangeBy,
    roles: readonly CustomRole[] = [],
  ): Promise<Imodel> {
    const version = imodel.accessListVersion + 1;
    try {
      await transactWrite(this.table, [
        this.flip(imodel, ownAccessList),
        ...entries.map((e) => ({
          Put: {
            TableName: this.table.tableName,
            Item: { ...keys.imodelAccess(imodel.id, e.userId), ...e, listVersion: version },
          },
        })),
        // Custom roles named: still there, with the permissions folded into the entries (role-use.ts).
        ...assignmentActions(this.table, roles),
        auditPut(this.table.tableName, by, accessListChange(imodel, before, ownAccessList ? entries : null)),
      ]);
    } catch (error) {
      const roleError = assignmentFailureOf(error, 1 + entries.length, roles);
      if (roleError) throw roleError;
      const first = cancellationReasons(error)?.[0];
      if (first?.Code === "ConditionalCheckFailed")
        throw first.Item ? concurrentChange(`The access list of iModel '${imodel.id}'`) : notFound("iModel", imodel.id);
      throw error;
    }
    return { ...imodel, ownAccessList, accessListVersion: version };
  }

  async removeStaleEntries(imodelId: string, version: number) {
    const stale = await allOfPrefix(this.table, keys.imodelPartition(imodelId).pk, keys.imodelAccessPrefix, {
      // Older only: a late job must never remove the entries of a list written after it.
      expression: "listVersion < :v",
      values: { ":v": version },
    });
    await deleteAll(this.table, stale);
  }

  async accessEntries(imodel: Imodel) {
    if (!imodel.ownAccessList) return [];
    const items = await allOfPrefix(this.table, keys.imodelPartition(imodel.id).pk, keys.imodelAccessPrefix, {
      // Entries of older lists wait for the worker to remove them: only the version read is the list.
      expression: "listVersion = :v",
      values: { ":v": imodel.accessListVersion },
    });
    return items.map((i) => strip<AccessEntry>(i)!);
  }

  setAccessList(
    imodel: Imodel,
    entries: Omit<AccessEntry, "listVersion">[],
    before: AccessEntry[] | null,
    by: ChangeBy,
    roles: readonly CustomRole[] = [],
  ) {
    return this.changeList(imodel, true, entries, before, by, roles);
  }

  clearAccessList(imodel: Imodel, before: AccessEntry[], by: ChangeBy) {
    return this.changeList(imodel, false, [], before, by);
  }

  async recordInteraction(imodelId: string, userId: string, at: Date, day: string) {
    try {
      await this.table.ddb.send(
        new UpdateCommand({
          TableName: this.table.tableName,
          Key: keys.interaction(imodelId, userId),
          UpdateExpression:
            "SET imodelId = :imodel, userId = :user, lastAt = :at, lastDay = :day, firstAt = if_not_exists(firstAt, :at)",
          // Once per user, iModel and day: a second request the same day (or a racing one) writes nothing.
          ConditionExpression: "attribute_not_exists(lastDay) OR lastDay <> :day",
          ExpressionAttributeValues: { ":imodel": imodelId, ":user": userId, ":at": at.toISOString(), ":day": day },
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
    }
  }

  async hasInteracted(imodelId: string, userId: string) {
    const out = await this.table.ddb.send(
      new GetCommand({
        TableName: this.table.tableName,
        Key: keys.interaction(imodelId, userId),
        ConsistentRead: true,
        ProjectionExpression: "pk",
      }),
    );
    return out.Item !== undefined;
  }
}
