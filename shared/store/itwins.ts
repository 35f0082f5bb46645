// DynamoDB repository of iTwins, their team members and custom roles.
import type { Receipt } from "../domain/idempotency";
import { DeleteCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import {
  MAX_TEAMS_PER_ORGANIZATION,
  type CustomRole,
  type Itwin,
  type ItwinKind,
  type ListedItwin,
  type TeamMember,
  type TeamsOfUser,
} from "../domain/itwin";
import type { ChangeBy } from "../domain/audit";
import type { Member } from "../domain/organization";
import { notFound } from "../errors";
import { alreadyTeamMember, concurrentChange, lastTeamManager, notOrganizationMember, tooManyTeams } from "../errors";
import { cancellationReasons, isConditionFailure, strip } from "./dynamo";
import { DynamoItwinLists } from "./itwin-lists";
import { stillOnTeam, teamsReader, teamsUpdate } from "./itwin-teams";
import { itemReader, nothing, reader, readTogether, type Reader } from "./together";
import type { TransactItem } from "./transact";
import { auditPut, teamMemberChange } from "./audit";
import { purgeConnections } from "./connection-purge";
import { assignmentActions, assignmentFailureOf } from "./role-use";
import { ReceiptTaken, withReceipt } from "./idempotency";
import { keys } from "./keys";
import type { Page } from "./page";
import { allOfPrefix, deleteAll, pageOfPrefix, transactWrite, type PageRequest } from "./partition";

export interface ItwinStore {
  /** Creates the iTwin with its creator as first team member; answers the existing one when the id is already taken. */
  create(itwin: Itwin, creator: TeamMember): Promise<{ itwin: Itwin; created: boolean }>;
  /**
   * The iTwin and the team member items of `userIds`, and with `orgMember` that user's membership of
   * the organisation (`orgId`), in one strongly consistent request.
   */
  getWithMembers(
    itwinId: string,
    userIds: string[],
    orgMember?: { orgId: string; userId: string },
  ): Promise<{ itwin?: Itwin; members: Map<string, TeamMember>; orgMember?: Member }>;
  /** The iTwin and the team member items of `userIds`, to read in the same request as something else (the caller's membership). */
  withMembers(itwinId: string, userIds: string[]): Reader<ItwinWithMembers>;
  listMembers(itwinId: string, page: PageRequest): Promise<Page<TeamMember>>;
  /**
   * Adds a team member, conditioned on their organisation membership in the same transaction: throws
   * NotOrganizationMember, AlreadyTeamMember, or 404 when the iTwin is gone. Each team change writes its
   * audit entry (`by` the actor) in its transaction.
   */
  addMember(
    itwin: Itwin,
    member: TeamMember,
    by: ChangeBy,
    receipt?: Receipt,
    roles?: readonly CustomRole[],
  ): Promise<void>;
  /** Replaces a member's roles; throws LastTeamManager when the last team_manage would go, ConcurrentChange on a race. */
  replaceMember(
    itwin: Itwin,
    before: TeamMember,
    after: TeamMember,
    by: ChangeBy,
    roles?: readonly CustomRole[],
  ): Promise<void>;
  /**
   * Throws LastTeamManager when the last team_manage would go. With `keep`: only while that user is still
   * on the team (ConcurrentChange otherwise), so two removals cannot empty it.
   */
  removeMember(itwin: Itwin, member: TeamMember, by: ChangeBy, keep?: string): Promise<void>;
  rename(itwinId: string, name: string, kind: ItwinKind): Promise<Itwin>;
  /** Removes the iTwin, its team, roles, iModels and everything the iModels hold. */
  /** Removes the iTwin item: the iTwin and everything in it answer 404 from then on. */
  delete(itwin: Itwin): Promise<void>;
  /** Removes what a deleted iTwin held: its partition, its iModels' partitions, its members' list entries, and the iTwin from their teams items (the worker's job). */
  purge(itwin: Itwin): Promise<void>;
  createRole(role: CustomRole): Promise<{ role: CustomRole; created: boolean }>;
  /** The custom roles among `roleIds` that exist in the iTwin (one strongly consistent request per 100). */
  getRoles(itwinId: string, roleIds: string[]): Promise<CustomRole[]>;
  listRoles(itwinId: string, page: PageRequest): Promise<Page<CustomRole>>;
  /** The ordinary iTwins of an organisation the user is a team member of, answered from the user's list entries alone. */
  listOfUser(userId: string, orgId: string, page: PageRequest): Promise<Page<ListedItwin>>;
  /** The ids of the iTwins of one kind in an organisation the user is a team member of (their entries hold no name: Test iTwins are renamed). */
  idsOfUser(userId: string, orgId: string, kind: ItwinKind, page: PageRequest): Promise<Page<string>>;
  /** The user's teams in an organisation, to read with their membership (a removal leaves them in its transaction). */
  teamsOf(userId: string, orgId: string): Reader<TeamsOfUser | undefined>;
}

/** An iTwin (undefined when it does not exist) and the team members read with it, by user id. */
export interface ItwinWithMembers {
  itwin?: Itwin;
  members: Map<string, TeamMember>;
}

export class DynamoItwinStore extends DynamoItwinLists implements ItwinStore {
  private memberItem(itwin: Itwin, member: TeamMember) {
    return { ...keys.itwinMember(itwin.id, member.userId), ...member };
  }

  /**
   * The user's list entry. An ordinary iTwin never changes after creation, so its entry holds what its
   * list answers (one Query per page); a Test iTwin can be renamed, so its entry holds only its id.
   */
  private indexItem(itwin: Itwin, userId: string) {
    const listed =
      itwin.kind === "standard"
        ? { id: itwin.id, name: itwin.name, createdBy: itwin.createdBy, createdAt: itwin.createdAt }
        : {};
    return {
      ...keys.userItwin(userId, itwin.orgId, itwin.kind, itwin.id),
      itwinId: itwin.id,
      orgId: itwin.orgId,
      kind: itwin.kind,
      ...listed,
    };
  }

  /** The user must be a member of the iTwin's organisation when they join its team (checked in the same transaction). */
  private orgMemberCheck(itwin: Itwin, userId: string): TransactItem {
    return {
      ConditionCheck: {
        TableName: this.table.tableName,
        Key: keys.member(itwin.orgId, userId),
        ConditionExpression: "attribute_exists(pk)",
      },
    };
  }

  private itwinUpdate(itwin: Itwin, delta: number) {
    const base = {
      TableName: this.table.tableName,
      Key: keys.itwin(itwin.id),
      ReturnValuesOnConditionCheckFailure: "ALL_OLD" as const,
    };
    if (delta === 0) return { ConditionCheck: { ...base, ConditionExpression: "attribute_exists(pk)" } };
    if (delta > 0) {
      return {
        Update: {
          ...base,
          UpdateExpression: "ADD teamManagerCount :d",
          ConditionExpression: "attribute_exists(pk)",
          ExpressionAttributeValues: { ":d": delta },
        },
      };
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

  /**
   * Maps a cancelled member transaction: the member action is first, the iTwin item second, and when
   * `orgCheckAt` is given the new member's organisation membership at that index.
   */
  private memberFailure(
    error: unknown,
    itwin: Itwin,
    onMember: () => Error,
    orgCheckAt?: { index: number; userId: string },
  ): Error {
    const reasons = cancellationReasons(error);
    if (!reasons) return error as Error;
    const [member, itwinReason] = reasons;
    if (itwinReason?.Code === "ConditionalCheckFailed")
      return itwinReason.Item ? lastTeamManager() : notFound("iTwin", itwin.id);
    if (orgCheckAt && reasons[orgCheckAt.index]?.Code === "ConditionalCheckFailed")
      return notOrganizationMember([orgCheckAt.userId]);
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
        teamsUpdate(this.table.tableName, creator.userId, itwin, { team: "join", manage: creator.teamManage }),
        // The creator joins the team as a member of the organisation: not after being removed from it.
        this.orgMemberCheck(itwin, creator.userId),
      ]);
      return { itwin, created: true };
    } catch (error) {
      const reasons = cancellationReasons(error);
      const existing = reasons?.[0];
      if (existing?.Code === "ConditionalCheckFailed" && existing.Item)
        return { itwin: strip<Itwin>(existing.Item)!, created: false };
      if (reasons?.[4]?.Code === "ConditionalCheckFailed") throw notFound("organization", itwin.orgId);
      if (reasons?.[3]?.Code === "ConditionalCheckFailed")
        throw tooManyTeams(creator.userId, MAX_TEAMS_PER_ORGANIZATION);
      throw error;
    }
  }

  async getWithMembers(itwinId: string, userIds: string[], orgMember?: { orgId: string; userId: string }) {
    const [read, member] = await readTogether<[ItwinWithMembers, Member | undefined]>(
      this.table,
      this.withMembers(itwinId, userIds),
      orgMember ? itemReader<Member>(keys.member(orgMember.orgId, orgMember.userId)) : nothing,
    );
    return { ...read, orgMember: member };
  }

  withMembers(itwinId: string, userIds: string[]): Reader<ItwinWithMembers> {
    const itwinKey = keys.itwin(itwinId);
    const memberKeys = [...new Set(userIds)].map((u) => keys.itwinMember(itwinId, u));
    return reader([itwinKey, ...memberKeys], (found) => {
      const members = new Map<string, TeamMember>();
      for (const key of memberKeys) {
        const item = found(key);
        if (item) members.set(item.userId as string, strip<TeamMember>(item)!);
      }
      return { itwin: strip<Itwin>(found(itwinKey)), members };
    });
  }

  teamsOf(userId: string, orgId: string) {
    return teamsReader(userId, orgId);
  }

  listMembers(itwinId: string, page: PageRequest) {
    return pageOfPrefix<TeamMember>(this.table, keys.itwin(itwinId).pk, keys.itwinMemberPrefix, page);
  }

  /**
   * `receipt` (an Idempotency-Key's answer) is written in the same transaction; ReceiptTaken when one is kept.
   * `roles`: the custom roles assigned, as read (each is moved in the same transaction: role-use.ts).
   */
  async addMember(
    itwin: Itwin,
    member: TeamMember,
    by: ChangeBy,
    receipt?: Receipt,
    roles: readonly CustomRole[] = [],
  ) {
    const { items, refused } = withReceipt(
      this.table.tableName,
      [
        {
          Put: {
            TableName: this.table.tableName,
            Item: this.memberItem(itwin, member),
            ConditionExpression: "attribute_not_exists(pk)",
          },
        },
        this.itwinUpdate(itwin, member.teamManage ? 1 : 0),
        { Put: { TableName: this.table.tableName, Item: this.indexItem(itwin, member.userId) } },
        teamsUpdate(this.table.tableName, member.userId, itwin, { team: "join", manage: member.teamManage }),
        // Teams are made of organisation members: checked here rather than read before.
        this.orgMemberCheck(itwin, member.userId),
        // Custom roles assigned: still there, with the permissions folded into the member (role-use.ts).
        ...assignmentActions(this.table, roles),
        auditPut(this.table.tableName, by, teamMemberChange(itwin, undefined, member)),
      ],
      receipt,
    );
    try {
      await transactWrite(this.table, items);
    } catch (error) {
      if (refused(cancellationReasons(error))) throw new ReceiptTaken();
      const roleError = assignmentFailureOf(error, 5, roles);
      if (roleError) throw roleError;
      if (cancellationReasons(error)?.[3]?.Code === "ConditionalCheckFailed")
        throw tooManyTeams(member.userId, MAX_TEAMS_PER_ORGANIZATION);
      throw this.memberFailure(error, itwin, () => alreadyTeamMember(member.userId), {
        index: 4,
        userId: member.userId,
      });
    }
  }

  async replaceMember(
    itwin: Itwin,
    before: TeamMember,
    after: TeamMember,
    by: ChangeBy,
    roles: readonly CustomRole[] = [],
  ) {
    const teamsMoves = after.teamManage !== before.teamManage;
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
        ...(teamsMoves ? [teamsUpdate(this.table.tableName, after.userId, itwin, { manage: after.teamManage })] : []),
        ...assignmentActions(this.table, roles),
        auditPut(this.table.tableName, by, teamMemberChange(itwin, before, after)),
      ]);
    } catch (error) {
      const roleError = assignmentFailureOf(error, teamsMoves ? 3 : 2, roles);
      if (roleError) throw roleError;
      throw this.memberFailure(error, itwin, () => concurrentChange(`Team member '${before.userId}'`));
    }
  }

  async removeMember(itwin: Itwin, member: TeamMember, by: ChangeBy, keep?: string) {
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
        {
          Delete: {
            TableName: this.table.tableName,
            Key: keys.userItwin(member.userId, itwin.orgId, itwin.kind, itwin.id),
          },
        },
        teamsUpdate(this.table.tableName, member.userId, itwin, { team: "leave", manage: member.teamManage }),
        // A Test iTwin keeps a participant: another one must still be there when this one leaves.
        ...(keep ? [stillOnTeam(this.table.tableName, itwin.id, keep)] : []),
        auditPut(this.table.tableName, by, teamMemberChange(itwin, member, undefined)),
      ]);
    } catch (error) {
      if (keep && cancellationReasons(error)?.[4]?.Code === "ConditionalCheckFailed")
        throw concurrentChange(`The participants of '${itwin.id}'`);
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
    // Every permission check reads the iTwin item, so access ends at once, and member and iModel
    // creations (conditioned on it) can no longer slip in while the worker removes the rest (`purge`).
    await this.table.ddb.send(new DeleteCommand({ TableName: this.table.tableName, Key: keys.itwin(itwin.id) }));
  }

  async purge(itwin: Itwin) {
    const pk = keys.itwin(itwin.id).pk;
    const items = await allOfPrefix(this.table, pk, "");
    const imodels = items.filter((i) => String(i.sk).startsWith(keys.imodelPrefix));
    for (const imodel of imodels) {
      await purgeConnections(this.table, imodel.id as string);
      await deleteAll(this.table, await allOfPrefix(this.table, keys.imodelPartition(imodel.id as string).pk, ""));
    }
    const members = items.filter((i) => String(i.sk).startsWith(keys.itwinMemberPrefix));
    await deleteAll(this.table, [
      ...members.map((m) => keys.userItwin(m.userId as string, itwin.orgId, itwin.kind, itwin.id)),
      ...items,
    ]);
    // The former members' teams items forget it (an item that is not there is not made up).
    for (const member of members) {
      const update = teamsUpdate(this.table.tableName, member.userId as string, itwin, {
        team: "leave",
        manage: member.teamManage === true,
      }).Update!;
      await this.table.ddb
        .send(new UpdateCommand({ ...update, ConditionExpression: "attribute_exists(pk)" }))
        .catch((error: unknown) => {
          if (!isConditionFailure(error)) throw error;
        });
    }
  }
}
