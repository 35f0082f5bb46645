// A user's teams in an organisation (one item listing them, so leaving the organisation finds every team without a
// Query), the update a team change makes of it, and leaving every team when the organisation membership ends.
import { DeleteCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import {
  MAX_TEAMS_PER_ORGANIZATION,
  type Itwin,
  type TeamMember,
  type TeamOfUser,
  type TeamsOfUser,
} from "../domain/itwin";
import { isConditionFailure, type TableRef } from "./dynamo";
import { keys } from "./keys";
import { reader, type Reader } from "./together";
import type { TransactItem } from "./transact";

export function teamsUpdate(
  tableName: string,
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
      TableName: tableName,
      Key: keys.userTeams(userId, itwin.orgId),
      UpdateExpression: expression,
      ...cap,
      ExpressionAttributeValues: { ...values, ...capValue },
    },
  };
}

/** The iTwin item's part of a member change: the team_manage counter moves with it ("at least one team manager"). */

/** The user's teams in the organisation (undefined: no team). */
export const teamsReader = (userId: string, orgId: string): Reader<TeamsOfUser | undefined> => {
  const key = keys.userTeams(userId, orgId);
  return reader([key], (found) => teamsFromItem(found(key)));
};

function teamsFromItem(item: Record<string, unknown> | undefined): TeamsOfUser | undefined {
  if (!item || !String(item.pk).endsWith("#ITWINS") || String(item.sk).includes("#", "ORG#".length)) return undefined;
  const managing = (item.managing as Set<string> | undefined) ?? new Set<string>();
  const teams = [...((item.teams as Set<string> | undefined) ?? [])].map((entry): TeamOfUser => {
    const [kind, itwinId] = entry.split("#") as [TeamOfUser["kind"], string];
    return { itwinId, kind, manage: managing.has(itwinId) };
  });
  return { teams, version: Number(item.version ?? 0) };
}

export function leaveOrganization(
  table: TableRef,
  userId: string,
  orgId: string,
  read: TeamsOfUser | undefined,
  room: number,
): { items: TransactItem[]; unfinished: boolean } {
  const tableName = table.tableName;
  const key = keys.userTeams(userId, orgId);
  // No team joined or left since the read: the version (or the item's absence) is the condition.
  const asRead = read
    ? { ConditionExpression: "version = :v", ExpressionAttributeValues: { ":v": read.version } }
    : { ConditionExpression: "attribute_not_exists(pk)" };
  const teams = read?.teams ?? [];
  const leaving = teams.flatMap((team): TransactItem[] => [
    { Delete: { TableName: tableName, Key: keys.itwinMember(team.itwinId, userId) } },
    { Delete: { TableName: tableName, Key: keys.userItwin(userId, orgId, team.kind, team.itwinId) } },
    ...(team.manage
      ? [
          {
            Update: {
              TableName: tableName,
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
    return { items: [{ Delete: { TableName: tableName, Key: key, ...asRead } }, ...leaving], unfinished: false };
  // Too many teams for one transaction: the membership goes first (no team can be joined after it), then each team
  // (`leaveTeamsOneByOne`, a job of the worker's).
  return { items: [{ ConditionCheck: { TableName: tableName, Key: key, ...asRead } }], unfinished: true };
}

/**
 * What `leaveOrganization` leaves for later when the teams do not fit its transaction: each team left on its own, its
 * `team_manage` count moved only by the delete that removed a managing item (so a repeated job moves it once), the
 * team taken off the teams item, then the teams item removed. Only team items from before `removedAt` go: a team item
 * of a later membership (the user was added back and joined that team again) stays, with its entry, and so does the
 * teams item when `keepTeamsItem` (the user is a member again: the item lists their new teams too).
 */
export async function leaveTeamsOneByOne(
  table: TableRef,
  userId: string,
  orgId: string,
  teams: TeamOfUser[],
  removedAt: string,
  keepTeamsItem = false,
): Promise<void> {
  let kept = keepTeamsItem;
  for (const team of teams) {
    let removed: { Attributes?: Record<string, unknown> };
    try {
      removed = await table.ddb.send(
        new DeleteCommand({
          TableName: table.tableName,
          Key: keys.itwinMember(team.itwinId, userId),
          ConditionExpression: "attribute_not_exists(pk) OR addedAt <= :removedAt",
          ExpressionAttributeValues: { ":removedAt": removedAt },
          ReturnValues: "ALL_OLD",
        }),
      );
    } catch (error) {
      if (!isConditionFailure(error)) throw error;
      kept = true;
      continue;
    }
    if ((removed.Attributes as TeamMember | undefined)?.teamManage) {
      await table.ddb
        .send(
          new UpdateCommand({
            TableName: table.tableName,
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
    await table.ddb.send(
      new DeleteCommand({
        TableName: table.tableName,
        Key: keys.userItwin(userId, orgId, team.kind, team.itwinId),
      }),
    );
    const itwin = { id: team.itwinId, orgId, kind: team.kind } as Itwin;
    await table.ddb.send(
      new UpdateCommand(teamsUpdate(table.tableName, userId, itwin, { team: "leave", manage: team.manage }).Update!),
    );
  }
  if (!kept)
    await table.ddb.send(new DeleteCommand({ TableName: table.tableName, Key: keys.userTeams(userId, orgId) }));
}

/** That a user is still on the team: a removal that must leave someone (a Test iTwin's last participant) checks another one. */
export function stillOnTeam(tableName: string, itwinId: string, userId: string): TransactItem {
  return {
    ConditionCheck: {
      TableName: tableName,
      Key: keys.itwinMember(itwinId, userId),
      ConditionExpression: "attribute_exists(pk)",
    },
  };
}
