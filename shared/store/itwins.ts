// DynamoDB repository of iTwins, their team members and custom roles.
import { DeleteCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { CustomRole, Itwin, ItwinKind, TeamMember } from "../domain/itwin";
import { notFound } from "../errors";
import { alreadyTeamMember, concurrentChange, lastTeamManager } from "../itwin-errors";
import { batchGet, cancellationReasons, isConditionFailure, strip, type TableRef } from "./dynamo";
import { keys } from "./keys";
import { decodeCursor, encodeCursor, type Page } from "./page";
import { allOfPrefix, batchGetMany, deleteAll, pageOfPrefix, queryPrefix, transactWrite, type PageRequest } from "./partition";

export interface ItwinStore {
  /** Creates the iTwin with its creator as first team member; answers the existing one when the id is already taken. */
  create(itwin: Itwin, creator: TeamMember): Promise<{ itwin: Itwin; created: boolean }>;
  /** The iTwin and the team member items of `userIds`, in one strongly consistent request. */
  getWithMembers(itwinId: string, userIds: string[]): Promise<{ itwin?: Itwin; members: Map<string, TeamMember> }>;
  listMembers(itwinId: string, page: PageRequest): Promise<Page<TeamMember>>;
  /** Throws AlreadyTeamMember, or 404 when the iTwin is gone. */
  addMember(itwin: Itwin, member: TeamMember): Promise<void>;
  /** Replaces a member's roles; throws LastTeamManager when the last team_manage would go, ConcurrentChange on a race. */
  replaceMember(itwin: Itwin, before: TeamMember, after: TeamMember): Promise<void>;
  /** Throws LastTeamManager when the last team_manage would go. */
  removeMember(itwin: Itwin, member: TeamMember): Promise<void>;
  rename(itwinId: string, name: string, kind: ItwinKind): Promise<Itwin>;
  /** Removes the iTwin, its team, roles, iModels and everything the iModels hold. */
  delete(itwin: Itwin): Promise<void>;
  createRole(role: CustomRole): Promise<{ role: CustomRole; created: boolean }>;
  /** The custom roles among `roleIds` that exist in the iTwin (one strongly consistent request per 100). */
  getRoles(itwinId: string, roleIds: string[]): Promise<CustomRole[]>;
  listRoles(itwinId: string, page: PageRequest): Promise<Page<CustomRole>>;
  /** The iTwins of one kind in an organisation that the user is a team member of. */
  listOfUser(userId: string, orgId: string, kind: ItwinKind, page: PageRequest): Promise<Page<Itwin>>;
  /**
   * Takes a user who left the organisation out of every team of it, so no iModel stays open to them.
   * Unlike a removal by a team manager this is not refused for the last team manager: leaving the
   * organisation applies at once. Answers how many teams they left.
   */
  removeFromOrganization(userId: string, orgId: string): Promise<number>;
}

export class DynamoItwinStore implements ItwinStore {
  constructor(private readonly table: TableRef) {}

  private memberItem(itwin: Itwin, member: TeamMember) {
    return { ...keys.itwinMember(itwin.id, member.userId), ...member };
  }

  private indexItem(itwin: Itwin, userId: string) {
    return { ...keys.userItwin(userId, itwin.orgId, itwin.kind, itwin.id), itwinId: itwin.id, orgId: itwin.orgId, kind: itwin.kind };
  }

  /** The iTwin item's part of a member change: the team_manage counter moves with it ("at least one team manager"). */
  private itwinUpdate(itwin: Itwin, delta: number) {
    const base = { TableName: this.table.tableName, Key: keys.itwin(itwin.id), ReturnValuesOnConditionCheckFailure: "ALL_OLD" as const };
    if (delta === 0) return { ConditionCheck: { ...base, ConditionExpression: "attribute_exists(pk)" } };
    if (delta > 0) {
      return { Update: { ...base, UpdateExpression: "ADD teamManagerCount :d", ConditionExpression: "attribute_exists(pk)", ExpressionAttributeValues: { ":d": delta } } };
    }
    // Rule: an iTwin always keeps someone with team_manage, also when two removals race.
    return {
      Update: {
        ...base,
        UpdateExpression: "ADD teamManagerCount :d",
        ConditionExpression: "attribute_exists(pk) AND teamManagerCount > :one",
        ExpressionAttributeValues: { ":d": delta, ":one": 1 },
      },
    };
  }

  /** Maps a cancelled member transaction: the member action is first, the iTwin item second. */
  private memberFailure(error: unknown, itwin: Itwin, onMember: () => Error): Error {
    const reasons = cancellationReasons(error);
    if (!reasons) return error as Error;
    const [member, itwinReason] = reasons;
    if (itwinReason?.Code === "ConditionalCheckFailed") return itwinReason.Item ? lastTeamManager() : notFound("iTwin", itwin.id);
    if (member?.Code === "ConditionalCheckFailed") return onMember();
    return error as Error;
  }

  async create(itwin: Itwin, creator: TeamMember) {
    try {
      await transactWrite(this.table, [
        {
          Put: {
            TableName: this.table.tableName,
            Item: { ...keys.itwin(itwin.id), ...itwin },
            ConditionExpression: "attribute_not_exists(pk)",
            ReturnValuesOnConditionCheckFailure: "ALL_OLD",
          },
        },
        { Put: { TableName: this.table.tableName, Item: this.memberItem(itwin, creator) } },
        { Put: { TableName: this.table.tableName, Item: this.indexItem(itwin, creator.userId) } },
      ]);
      return { itwin, created: true };
    } catch (error) {
      const existing = cancellationReasons(error)?.[0];
      if (existing?.Code === "ConditionalCheckFailed" && existing.Item) return { itwin: strip<Itwin>(existing.Item)!, created: false };
      throw error;
    }
  }

  async getWithMembers(itwinId: string, userIds: string[]) {
    const wanted = [...new Set(userIds)];
    const items = await batchGet(this.table, [keys.itwin(itwinId), ...wanted.map((u) => keys.itwinMember(itwinId, u))]);
    const itwin = strip<Itwin>(items.find((i) => i.sk === "ITWIN"));
    const members = new Map<string, TeamMember>();
    for (const item of items) if (item.sk !== "ITWIN") members.set(item.userId as string, strip<TeamMember>(item)!);
    return { itwin, members };
  }

  listMembers(itwinId: string, page: PageRequest) {
    return pageOfPrefix<TeamMember>(this.table, keys.itwin(itwinId).pk, keys.itwinMemberPrefix, page);
  }

  async addMember(itwin: Itwin, member: TeamMember) {
    try {
      await transactWrite(this.table, [
        {
          Put: {
            TableName: this.table.tableName,
            Item: this.memberItem(itwin, member),
            ConditionExpression: "attribute_not_exists(pk)",
          },
        },
        this.itwinUpdate(itwin, member.teamManage ? 1 : 0),
        { Put: { TableName: this.table.tableName, Item: this.indexItem(itwin, member.userId) } },
      ]);
    } catch (error) {
      throw this.memberFailure(error, itwin, () => alreadyTeamMember(member.userId));
    }
  }

  async replaceMember(itwin: Itwin, before: TeamMember, after: TeamMember) {
    try {
      await transactWrite(this.table, [
        {
          Put: {
            TableName: this.table.tableName,
            Item: this.memberItem(itwin, after),
            // The counter delta was computed from `before`: it holds only if team_manage did not change meanwhile.
            ConditionExpression: "teamManage = :before",
            ExpressionAttributeValues: { ":before": before.teamManage },
          },
        },
        this.itwinUpdate(itwin, Number(after.teamManage) - Number(before.teamManage)),
      ]);
    } catch (error) {
      throw this.memberFailure(error, itwin, () => concurrentChange(`Team member '${before.userId}'`));
    }
  }

  async removeMember(itwin: Itwin, member: TeamMember) {
    try {
      await transactWrite(this.table, [
        {
          Delete: {
            TableName: this.table.tableName,
            Key: keys.itwinMember(itwin.id, member.userId),
            ConditionExpression: "teamManage = :before",
            ExpressionAttributeValues: { ":before": member.teamManage },
          },
        },
        this.itwinUpdate(itwin, member.teamManage ? -1 : 0),
        { Delete: { TableName: this.table.tableName, Key: keys.userItwin(member.userId, itwin.orgId, itwin.kind, itwin.id) } },
      ]);
    } catch (error) {
      throw this.memberFailure(error, itwin, () => concurrentChange(`Team member '${member.userId}'`));
    }
  }

  async rename(itwinId: string, name: string, kind: ItwinKind) {
    try {
      const out = await this.table.ddb.send(
        new UpdateCommand({
          TableName: this.table.tableName,
          Key: keys.itwin(itwinId),
          UpdateExpression: "SET #name = :name",
          ConditionExpression: "attribute_exists(pk) AND kind = :kind",
          ExpressionAttributeNames: { "#name": "name" },
          ExpressionAttributeValues: { ":name": name, ":kind": kind },
          ReturnValues: "ALL_NEW",
        }),
      );
      return strip<Itwin>(out.Attributes)!;
    } catch (error) {
      if (isConditionFailure(error)) throw notFound("iTwin", itwinId);
      throw error;
    }
  }

  async delete(itwin: Itwin) {
    const pk = keys.itwin(itwin.id).pk;
    // The iTwin item goes first: every permission check reads it, so access ends at once, and member
    // and iModel creations (conditioned on it) can no longer slip in while the rest is removed.
    await deleteAll(this.table, [keys.itwin(itwin.id)]);
    const items = await allOfPrefix(this.table, pk, "");
    const imodels = items.filter((i) => String(i.sk).startsWith(keys.imodelPrefix));
    for (const imodel of imodels) {
      await deleteAll(this.table, await allOfPrefix(this.table, keys.imodelPartition(imodel.id as string).pk, ""));
    }
    const members = items.filter((i) => String(i.sk).startsWith(keys.itwinMemberPrefix));
    await deleteAll(this.table, [...members.map((m) => keys.userItwin(m.userId as string, itwin.orgId, itwin.kind, itwin.id)), ...items]);
  }

  async createRole(role: CustomRole) {
    try {
      await transactWrite(this.table, [
        {
          Put: {
            TableName: this.table.tableName,
            Item: { ...keys.itwinRole(role.itwinId, role.id), ...role },
            ConditionExpression: "attribute_not_exists(pk)",
            ReturnValuesOnConditionCheckFailure: "ALL_OLD",
          },
        },
        { ConditionCheck: { TableName: this.table.tableName, Key: keys.itwin(role.itwinId), ConditionExpression: "attribute_exists(pk)" } },
      ]);
      return { role, created: true };
    } catch (error) {
      const [existing, itwin] = cancellationReasons(error) ?? [];
      if (existing?.Code === "ConditionalCheckFailed" && existing.Item) return { role: strip<CustomRole>(existing.Item)!, created: false };
      if (itwin?.Code === "ConditionalCheckFailed") throw notFound("iTwin", role.itwinId);
      throw error;
    }
  }

  async getRoles(itwinId: string, roleIds: string[]) {
    const wanted = [...new Set(roleIds)];
    if (wanted.length === 0) return [];
    const items = await batchGetMany(this.table, wanted.map((r) => keys.itwinRole(itwinId, r)));
    return items.map((i) => strip<CustomRole>(i)!);
  }

  listRoles(itwinId: string, page: PageRequest) {
    return pageOfPrefix<CustomRole>(this.table, keys.itwin(itwinId).pk, keys.itwinRolePrefix, page);
  }

  async removeFromOrganization(userId: string, orgId: string) {
    const entries = await allOfPrefix(this.table, keys.userItwins(userId).pk, `ORG#${orgId}#`);
    for (const entry of entries) {
      const itwinId = entry.itwinId as string;
      const removed = await this.table.ddb.send(
        new DeleteCommand({ TableName: this.table.tableName, Key: keys.itwinMember(itwinId, userId), ReturnValues: "ALL_OLD" }),
      );
      if ((removed.Attributes as TeamMember | undefined)?.teamManage) {
        await this.table.ddb.send(
          new UpdateCommand({
            TableName: this.table.tableName,
            Key: keys.itwin(itwinId),
            UpdateExpression: "ADD teamManagerCount :d",
            ConditionExpression: "attribute_exists(pk)",
            ExpressionAttributeValues: { ":d": -1 },
          }),
        ).catch((error: unknown) => {
          if (!isConditionFailure(error)) throw error;
        });
      }
      await this.table.ddb.send(new DeleteCommand({ TableName: this.table.tableName, Key: { pk: entry.pk as string, sk: entry.sk as string } }));
    }
    return entries.length;
  }

  async listOfUser(userId: string, orgId: string, kind: ItwinKind, page: PageRequest) {
    const pk = keys.userItwins(userId).pk;
    const { items, lastKey } = await queryPrefix(this.table, pk, keys.userItwinPrefix(orgId, kind), {
      limit: page.limit,
      start: decodeCursor(page.cursor, { pk }),
    });
    const found = await batchGetMany(this.table, items.map((i) => keys.itwin(i.itwinId as string)));
    const byId = new Map(found.map((i) => [i.id as string, strip<Itwin>(i)!]));
    // An index entry whose iTwin is being deleted has no iTwin item any more: it is skipped, not answered half.
    const itwins = items.map((i) => byId.get(i.itwinId as string)).filter((i): i is Itwin => i !== undefined);
    return { items: itwins, next: encodeCursor(lastKey) };
  }
}
