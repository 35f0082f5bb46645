// DynamoDB repository of iTwins, their team members and custom roles.
import { DeleteCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import {
  MAX_TEAMS_PER_ORGANIZATION,
  type CustomRole,
  type Itwin,
  type ItwinKind,
  type ListedItwin,
  type TeamMember,
  type TeamOfUser,
  type TeamsOfUser,
} from "../domain/itwin";
import type { ChangeBy } from "../domain/audit";
import type { Member } from "../domain/organization";
import { notFound } from "../errors";
import { alreadyTeamMember, concurrentChange, lastTeamManager, notOrganizationMember, tooManyTeams } from "../errors";
import { batchGet, cancellationReasons, isConditionFailure, strip, type TableRef, type TransactItem } from "./dynamo";
import { orgOfItwin } from "../child-ids";
import { auditPut, customRoleChange, teamMemberChange } from "./audit";
import { purgeConnections } from "./connection-purge";
import { keys } from "./keys";
import { decodeCursor, encodeCursor, type Page } from "./page";
import {
  allOfPrefix,
  batchGetMany,
  deleteAll,
  pageOfPrefix,
  queryPrefix,
  transactWrite,
  type PageRequest,
} from "./partition";

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
  /** The keys `getWithMembers` reads, to read them in the same request as something else (the caller's membership). */
  keysWithMembers(itwinId: string, userIds: string[]): Record<string, unknown>[];
  /** The iTwin and team members among items read that way. */
  fromItems(itwinId: string, items: Record<string, unknown>[]): { itwin?: Itwin; members: Map<string, TeamMember> };
  listMembers(itwinId: string, page: PageRequest): Promise<Page<TeamMember>>;
  /**
   * Adds a team member, conditioned on their organisation membership in the same transaction: throws
   * NotOrganizationMember, AlreadyTeamMember, or 404 when the iTwin is gone. Each team change writes
   * its audit entry (`by` the actor) in its transaction.
   */
  addMember(itwin: Itwin, member: TeamMember, by: ChangeBy): Promise<void>;
  /** Replaces a member's roles; throws LastTeamManager when the last team_manage would go, ConcurrentChange on a race. */
  replaceMember(itwin: Itwin, before: TeamMember, after: TeamMember, by: ChangeBy): Promise<void>;
  /** Throws LastTeamManager when the last team_manage would go. */
  removeMember(itwin: Itwin, member: TeamMember, by: ChangeBy): Promise<void>;
  rename(itwinId: string, name: string, kind: ItwinKind): Promise<Itwin>;
  /** Removes the iTwin, its team, roles, iModels and everything the iModels hold. */
  /** Removes the iTwin item: the iTwin and everything in it answer 404 from then on. */
  delete(itwin: Itwin): Promise<void>;
  /** Removes what a deleted iTwin held: its partition, its iModels' partitions, its members' list entries, and the iTwin from their teams items (the worker's job). */
  purge(itwin: Itwin): Promise<void>;
  /** Creates the role (audited as its creator's); answers the existing one when the id is taken. */
  createRole(role: CustomRole): Promise<{ role: CustomRole; created: boolean }>;
  /** The custom roles among `roleIds` that exist in the iTwin (one strongly consistent request per 100). */
  getRoles(itwinId: string, roleIds: string[]): Promise<CustomRole[]>;
  listRoles(itwinId: string, page: PageRequest): Promise<Page<CustomRole>>;
  /** The ordinary iTwins of an organisation the user is a team member of, answered from the user's list entries alone. */
  listOfUser(userId: string, orgId: string, page: PageRequest): Promise<Page<ListedItwin>>;
  /** The ids of the iTwins of one kind in an organisation the user is a team member of (their entries hold no name: Test iTwins are renamed). */
  idsOfUser(userId: string, orgId: string, kind: ItwinKind, page: PageRequest): Promise<Page<string>>;
  /** The key of the user's teams in an organisation, to read it with their membership. */
  teamsKey(userId: string, orgId: string): Record<string, unknown>;
  /** The user's teams in an item read that way (undefined: no team, or not that item). */
  teamsFromItem(item: Record<string, unknown> | undefined): TeamsOfUser | undefined;
  /**
   * Takes a user who leaves the organisation out of every team of it, so no iModel stays open to them;
   * unlike a removal by a team manager it is not refused for the last team manager. `items` go into
   * the transaction that removes the membership (at most `room` of them): conditioned on the teams as
   * read, they make it fail if the user joined or left a team meanwhile (re-read and retry). When the
   * teams do not fit, `items` only hold that condition and `finish` (run after the removal committed)
   * leaves the teams one by one.
   */
  leaveOrganization(
    userId: string,
    orgId: string,
    teams: TeamsOfUser | undefined,
    room: number,
  ): { items: TransactItem[]; finish: () => Promise<void> };
}

export class DynamoItwinStore implements ItwinStore {
  constructor(private readonly table: TableRef) {}

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

  /**
   * The change to the user's teams item that goes with a team member write: joining or leaving the
   * team (`team`; `manage` says whether they hold team_manage there), or else gaining (`manage: true`)
   * or losing team_manage. Every change moves the item's version.
   */
  private teamsUpdate(
    userId: string,
    itwin: Itwin,
    change: { team?: "join" | "leave"; manage: boolean },
  ): TransactItem {
    const team = change.team ? { ":t": new Set([`${itwin.kind}#${itwin.id}`]) } : {};
    const managing = change.manage || !change.team ? { ":m": new Set([itwin.id]) } : {};
    const sets = change.manage ? ", managing :m" : "";
    const expression =
      change.team === "join"
        ? `ADD teams :t, version :one${sets}`
        : change.team === "leave"
          ? `DELETE teams :t${sets} ADD version :one`
          : change.manage
            ? "ADD managing :m, version :one"
            : "DELETE managing :m ADD version :one";
    const values = { ":one": 1, ...team, ...managing };
    // At most MAX_TEAMS_PER_ORGANIZATION teams: the item lists them all.
    const cap =
      change.team === "join" ? { ConditionExpression: "attribute_not_exists(teams) OR size(teams) < :maxTeams" } : {};
    const capValue = change.team === "join" ? { ":maxTeams": MAX_TEAMS_PER_ORGANIZATION } : {};
    return {
      Update: {
        TableName: this.table.tableName,
        Key: keys.userTeams(userId, itwin.orgId),
        UpdateExpression: expression,
        ...cap,
        ExpressionAttributeValues: { ...values, ...capValue },
      },
    };
  }

  /** The iTwin item's part of a member change: the team_manage counter moves with it ("at least one team manager"). */
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
        this.teamsUpdate(creator.userId, itwin, { team: "join", manage: creator.teamManage }),
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
    const memberKey = orgMember && keys.member(orgMember.orgId, orgMember.userId);
    const items = await batchGet(this.table, [
      ...this.keysWithMembers(itwinId, userIds),
      ...(memberKey ? [memberKey] : []),
    ]);
    const found = memberKey && items.find((i) => i.pk === memberKey.pk && i.sk === memberKey.sk);
    return { ...this.fromItems(itwinId, items), orgMember: strip<Member>(found) };
  }

  keysWithMembers(itwinId: string, userIds: string[]) {
    return [keys.itwin(itwinId), ...[...new Set(userIds)].map((u) => keys.itwinMember(itwinId, u))];
  }

  fromItems(itwinId: string, items: Record<string, unknown>[]) {
    const pk = keys.itwin(itwinId).pk;
    const ours = items.filter((i) => i.pk === pk);
    const itwin = strip<Itwin>(ours.find((i) => i.sk === "ITWIN"));
    const members = new Map<string, TeamMember>();
    for (const item of ours)
      if (String(item.sk).startsWith(keys.itwinMemberPrefix))
        members.set(item.userId as string, strip<TeamMember>(item)!);
    return { itwin, members };
  }

  listMembers(itwinId: string, page: PageRequest) {
    return pageOfPrefix<TeamMember>(this.table, keys.itwin(itwinId).pk, keys.itwinMemberPrefix, page);
  }

  async addMember(itwin: Itwin, member: TeamMember, by: ChangeBy) {
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
        this.teamsUpdate(member.userId, itwin, { team: "join", manage: member.teamManage }),
        // Teams are made of organisation members: checked here rather than read before.
        this.orgMemberCheck(itwin, member.userId),
        auditPut(this.table.tableName, by, teamMemberChange(itwin, undefined, member)),
      ]);
    } catch (error) {
      if (cancellationReasons(error)?.[3]?.Code === "ConditionalCheckFailed")
        throw tooManyTeams(member.userId, MAX_TEAMS_PER_ORGANIZATION);
      throw this.memberFailure(error, itwin, () => alreadyTeamMember(member.userId), {
        index: 4,
        userId: member.userId,
      });
    }
  }

  async replaceMember(itwin: Itwin, before: TeamMember, after: TeamMember, by: ChangeBy) {
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
        ...(after.teamManage !== before.teamManage
          ? [this.teamsUpdate(after.userId, itwin, { manage: after.teamManage })]
          : []),
        auditPut(this.table.tableName, by, teamMemberChange(itwin, before, after)),
      ]);
    } catch (error) {
      throw this.memberFailure(error, itwin, () => concurrentChange(`Team member '${before.userId}'`));
    }
  }

  async removeMember(itwin: Itwin, member: TeamMember, by: ChangeBy) {
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
        this.teamsUpdate(member.userId, itwin, { team: "leave", manage: member.teamManage }),
        auditPut(this.table.tableName, by, teamMemberChange(itwin, member, undefined)),
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
      const update = this.teamsUpdate(member.userId as string, itwin, {
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
        {
          ConditionCheck: {
            TableName: this.table.tableName,
            Key: keys.itwin(role.itwinId),
            ConditionExpression: "attribute_exists(pk)",
          },
        },
        auditPut(
          this.table.tableName,
          { userId: role.createdBy, at: role.createdAt },
          customRoleChange(orgOfItwin(role.itwinId) ?? "", undefined, role),
        ),
      ]);
      return { role, created: true };
    } catch (error) {
      const [existing, itwin] = cancellationReasons(error) ?? [];
      if (existing?.Code === "ConditionalCheckFailed" && existing.Item)
        return { role: strip<CustomRole>(existing.Item)!, created: false };
      if (itwin?.Code === "ConditionalCheckFailed") throw notFound("iTwin", role.itwinId);
      throw error;
    }
  }

  async getRoles(itwinId: string, roleIds: string[]) {
    const wanted = [...new Set(roleIds)];
    if (wanted.length === 0) return [];
    const items = await batchGetMany(
      this.table,
      wanted.map((r) => keys.itwinRole(itwinId, r)),
    );
    return items.map((i) => strip<CustomRole>(i)!);
  }

  listRoles(itwinId: string, page: PageRequest) {
    return pageOfPrefix<CustomRole>(this.table, keys.itwin(itwinId).pk, keys.itwinRolePrefix, page);
  }

  teamsKey(userId: string, orgId: string) {
    return keys.userTeams(userId, orgId);
  }

  teamsFromItem(item: Record<string, unknown> | undefined): TeamsOfUser | undefined {
    if (!item || !String(item.pk).endsWith("#ITWINS") || String(item.sk).includes("#", "ORG#".length)) return undefined;
    const managing = (item.managing as Set<string> | undefined) ?? new Set<string>();
    const teams = [...((item.teams as Set<string> | undefined) ?? [])].map((entry): TeamOfUser => {
      const [kind, itwinId] = entry.split("#") as [TeamOfUser["kind"], string];
      return { itwinId, kind, manage: managing.has(itwinId) };
    });
    return { teams, version: Number(item.version ?? 0) };
  }

  leaveOrganization(userId: string, orgId: string, read: TeamsOfUser | undefined, room: number) {
    const table = this.table.tableName;
    const key = keys.userTeams(userId, orgId);
    // No team joined or left since the read: the version (or the item's absence) is the condition.
    const asRead = read
      ? { ConditionExpression: "version = :v", ExpressionAttributeValues: { ":v": read.version } }
      : { ConditionExpression: "attribute_not_exists(pk)" };
    const teams = read?.teams ?? [];
    const leaving = teams.flatMap((team): TransactItem[] => [
      { Delete: { TableName: table, Key: keys.itwinMember(team.itwinId, userId) } },
      { Delete: { TableName: table, Key: keys.userItwin(userId, orgId, team.kind, team.itwinId) } },
      ...(team.manage
        ? [
            {
              Update: {
                TableName: table,
                Key: keys.itwin(team.itwinId),
                UpdateExpression: "ADD teamManagerCount :d",
                ConditionExpression: "attribute_exists(pk)",
                ExpressionAttributeValues: { ":d": -1 },
              },
            },
          ]
        : []),
    ]);
    if (leaving.length + 1 <= room)
      return { items: [{ Delete: { TableName: table, Key: key, ...asRead } }, ...leaving], finish: async () => {} };
    // Too many teams for one transaction: the membership goes first (no team can be joined after it), then each team.
    return {
      items: [{ ConditionCheck: { TableName: table, Key: key, ...asRead } }],
      finish: () => this.leaveTeamsOneByOne(userId, orgId, teams),
    };
  }

  /** The fallback of `leaveOrganization` for many teams; a crash part-way leaves the rest listed on the teams item. */
  private async leaveTeamsOneByOne(userId: string, orgId: string, teams: TeamOfUser[]) {
    for (const team of teams) {
      const removed = await this.table.ddb.send(
        new DeleteCommand({
          TableName: this.table.tableName,
          Key: keys.itwinMember(team.itwinId, userId),
          ReturnValues: "ALL_OLD",
        }),
      );
      if ((removed.Attributes as TeamMember | undefined)?.teamManage) {
        await this.table.ddb
          .send(
            new UpdateCommand({
              TableName: this.table.tableName,
              Key: keys.itwin(team.itwinId),
              UpdateExpression: "ADD teamManagerCount :d",
              ConditionExpression: "attribute_exists(pk)",
              ExpressionAttributeValues: { ":d": -1 },
            }),
          )
          .catch((error: unknown) => {
            if (!isConditionFailure(error)) throw error;
          });
      }
      await this.table.ddb.send(
        new DeleteCommand({
          TableName: this.table.tableName,
          Key: keys.userItwin(userId, orgId, team.kind, team.itwinId),
        }),
      );
      const itwin = { id: team.itwinId, orgId, kind: team.kind } as Itwin;
      await this.table.ddb.send(
        new UpdateCommand(this.teamsUpdate(userId, itwin, { team: "leave", manage: team.manage }).Update!),
      );
    }
    await this.table.ddb.send(
      new DeleteCommand({ TableName: this.table.tableName, Key: keys.userTeams(userId, orgId) }),
    );
  }

  async listOfUser(userId: string, orgId: string, page: PageRequest): Promise<Page<ListedItwin>> {
    const { entries, next } = await this.entriesOfUser(userId, orgId, "standard", page);
    const items = entries.map(
      (e): ListedItwin => ({
        id: e.itwinId as string,
        orgId: e.orgId as string,
        kind: e.kind as ListedItwin["kind"],
        name: e.name as string,
        createdBy: e.createdBy as string,
        createdAt: e.createdAt as string,
      }),
    );
    return { items, next };
  }

  async idsOfUser(userId: string, orgId: string, kind: ItwinKind, page: PageRequest): Promise<Page<string>> {
    const { entries, next } = await this.entriesOfUser(userId, orgId, kind, page);
    return { items: entries.map((e) => e.itwinId as string), next };
  }

  private async entriesOfUser(userId: string, orgId: string, kind: ItwinKind, page: PageRequest) {
    const pk = keys.userItwins(userId).pk;
    const prefix = keys.userItwinPrefix(orgId, kind);
    const { items, lastKey } = await queryPrefix(this.table, pk, prefix, {
      limit: page.limit,
      start: decodeCursor(page.cursor, { pk }, { name: "sk", prefix }),
    });
    return { entries: items, next: encodeCursor(lastKey) };
  }
}
