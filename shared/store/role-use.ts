// Custom roles that can be edited and deleted: every assignment moves the role item in its own transaction, and a deletion or edit is conditioned on no assignment having moved it since it looked for holders.
import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import { orgOfItwin } from "../child-ids";
import type { CustomRole, Itwin, TeamMember } from "../domain/itwin";
import type { Member } from "../domain/organization";
import { concurrentChange, unknownRoles } from "../errors";
import { batchGet, cancellationReasons, strip, type CancellationReason, type TableRef } from "./dynamo";
import { transactOrExplain, type TransactItem } from "./transact";
import type { ChangeBy } from "../domain/audit";
import { auditPut, customRoleChange } from "./audit";
import { keys } from "./keys";

type Item = Record<string, unknown>;

/** The condition that `role` is still as read: there, and its permissions unchanged (`version`). */
const asReadCondition = (role: CustomRole) =>
  role.version === undefined
    ? { expression: "attribute_exists(pk) AND attribute_not_exists(version)", values: {} }
    : { expression: "attribute_exists(pk) AND version = :rv", values: { ":rv": role.version } };

/**
 * The actions an assignment of custom roles adds to its transaction (one per role): `ADD assignments 1`,
 * conditioned on the role still existing with the permissions that were folded into the assignment.
 * Whichever of an assignment and a deletion commits first, the other fails its condition.
 */
export function assignmentActions(table: TableRef, roles: readonly CustomRole[]): TransactItem[] {
  return roles.map((role) => {
    const condition = asReadCondition(role);
    return {
      Update: {
        TableName: table.tableName,
        Key: keys.itwinRole(role.itwinId, role.id),
        UpdateExpression: "ADD assignments :one",
        ConditionExpression: condition.expression,
        ExpressionAttributeValues: { ":one": 1, ...condition.values },
        ReturnValuesOnConditionCheckFailure: "ALL_OLD",
      },
    };
  });
}

/** The error of a transaction whose role actions (`reasons`, in the order of `roles`) failed: gone is 400 (unknown role), changed is 409. */
export function assignmentFailure(reasons: CancellationReason[], roles: readonly CustomRole[]): Error | undefined {
  const failed = roles.flatMap((role, i) =>
    reasons[i]?.Code === "ConditionalCheckFailed" ? [{ role, gone: !reasons[i]?.Item }] : [],
  );
  if (!failed.length) return undefined;
  const gone = failed.filter((f) => f.gone).map((f) => f.role.id);
  if (gone.length) return unknownRoles("roles", gone);
  return concurrentChange(`Role '${failed[0]!.role.id}'`);
}

/** Maps a cancelled assignment transaction whose role actions start at `from`, or undefined when they did not fail. */
export function assignmentFailureOf(error: unknown, from: number, roles: readonly CustomRole[]): Error | undefined {
  const reasons = cancellationReasons(error);
  return reasons && roles.length ? assignmentFailure(reasons.slice(from), roles) : undefined;
}

export interface RoleStore {
  /**
   * What the team check reads (the iTwin, team member items of `userIds`, the organisation membership) and the
   * role, in one strongly consistent BatchGetItem.
   */
  readWithRole(
    itwinId: string,
    userIds: string[],
    orgMember: { orgId: string; userId: string } | undefined,
    roleId: string,
  ): Promise<{ itwin?: Itwin; members: Map<string, TeamMember>; orgMember?: Member; role?: CustomRole }>;
  /**
   * Whether anyone holds the role: a team member whose roles name it, or an entry of an iModel's current own
   * list. A role never assigned (`assignments` still 0) is free without a read; otherwise two Queries of the iTwin's
   * partition (members, iModels with a list) and one of each listed iModel's entries.
   */
  inUse(role: CustomRole): Promise<boolean>;
  /** Writes `after`, only while no assignment and no other change moved the role since `before` was read. */
  change(before: CustomRole, after: CustomRole, by: ChangeBy): Promise<CustomRole>;
  /** Deletes the role, only while no assignment moved it since `role` was read. */
  delete(role: CustomRole, by: ChangeBy): Promise<void>;
}

/** The role unchanged since read: no assignment (`assignments`) and no edit (`version`) in between. */
const unchangedSince = (role: CustomRole) => {
  const version = asReadCondition(role);
  const assigned =
    role.assignments === undefined
      ? { expression: "attribute_not_exists(assignments)", values: {} }
      : { expression: "assignments = :ra", values: { ":ra": role.assignments } };
  return {
    ConditionExpression: `${version.expression} AND ${assigned.expression}`,
    values: { ...version.values, ...assigned.values },
  };
};

export class DynamoRoleStore implements RoleStore {
  constructor(private readonly table: TableRef) {}

  async readWithRole(
    itwinId: string,
    userIds: string[],
    orgMember: { orgId: string; userId: string } | undefined,
    roleId: string,
  ) {
    const memberKey = orgMember && keys.member(orgMember.orgId, orgMember.userId);
    const roleKey = keys.itwinRole(itwinId, roleId);
    const items = await batchGet(this.table, [
      keys.itwin(itwinId),
      ...[...new Set(userIds)].map((u) => keys.itwinMember(itwinId, u)),
      ...(memberKey ? [memberKey] : []),
      roleKey,
    ]);
    const at = (key: { pk: string; sk: string }) => items.find((i) => i.pk === key.pk && i.sk === key.sk);
    const members = new Map<string, TeamMember>();
    for (const item of items)
      if (item.pk === roleKey.pk && String(item.sk).startsWith(keys.itwinMemberPrefix))
        members.set(item.userId as string, strip<TeamMember>(item)!);
    return {
      itwin: strip<Itwin>(at(keys.itwin(itwinId))),
      members,
      orgMember: memberKey ? strip<Member>(at(memberKey)) : undefined,
      role: strip<CustomRole>(at(roleKey)),
    };
  }

  /** One strongly consistent Query page of `pk` under `prefix` that keeps what `filter` keeps. */
  private async query(pk: string, prefix: string, filter: string, values: Item, start?: Item) {
    const out = await this.table.ddb.send(
      new QueryCommand({
        TableName: this.table.tableName,
        KeyConditionExpression: "pk = :pk AND begins_with(sk, :prefix)",
        FilterExpression: filter,
        // `roles` is a reserved word of DynamoDB's expressions.
        ...(filter.includes("#roles") ? { ExpressionAttributeNames: { "#roles": "roles" } } : {}),
        ExpressionAttributeValues: { ":pk": pk, ":prefix": prefix, ...values },
        ...(start ? { ExclusiveStartKey: start } : {}),
        ConsistentRead: true,
      }),
    );
    return { items: out.Items ?? [], lastKey: out.LastEvaluatedKey };
  }

  async inUse(role: CustomRole) {
    // Created with 0 and never assigned since: nobody holds it. A role without the counter predates it: look.
    if (role.assignments === 0) return false;
    const roleId = role.id;
    const pk = keys.itwin(role.itwinId).pk;
    // Two Queries of the iTwin's partition, sent at once (a filter cannot name the sort key): members who hold
    // the role, and iModels with an own list, whose current entries are then looked at.
    const [held, listed] = await Promise.all([
      this.any(pk, keys.itwinMemberPrefix, "contains(#roles, :role)", { ":role": roleId }),
      this.all(pk, keys.imodelPrefix, "ownAccessList = :own", { ":own": true }),
    ]);
    if (held) return true;
    for (const imodel of listed) {
      const named = await this.any(
        keys.imodelPartition(imodel.id as string).pk,
        keys.imodelAccessPrefix,
        "listVersion = :v AND contains(#roles, :role)",
        { ":v": imodel.accessListVersion, ":role": roleId },
      );
      if (named) return true;
    }
    return false;
  }

  /** Whether any item under the prefix passes the filter (pages until one does). */
  private async any(pk: string, prefix: string, filter: string, values: Item) {
    let start: Item | undefined;
    do {
      const page = await this.query(pk, prefix, filter, values, start);
      if (page.items.length) return true;
      start = page.lastKey;
    } while (start);
    return false;
  }

  private async all(pk: string, prefix: string, filter: string, values: Item) {
    const found: Item[] = [];
    let start: Item | undefined;
    do {
      const page = await this.query(pk, prefix, filter, values, start);
      found.push(...page.items);
      start = page.lastKey;
    } while (start);
    return found;
  }

  async change(before: CustomRole, after: CustomRole, by: ChangeBy) {
    const condition = unchangedSince(before);
    await transactOrExplain(
      this.table,
      [
        {
          Update: {
            TableName: this.table.tableName,
            Key: keys.itwinRole(before.itwinId, before.id),
            UpdateExpression: `SET #name = :name, #permissions = :permissions, updatedAt = :at${after.version === undefined ? "" : ", version = :version"}`,
            ConditionExpression: condition.ConditionExpression,
            ExpressionAttributeNames: { "#name": "name", "#permissions": "permissions" },
            ExpressionAttributeValues: {
              ...condition.values,
              ":name": after.name,
              ":permissions": after.permissions,
              ":at": after.updatedAt,
              ...(after.version === undefined ? {} : { ":version": after.version }),
            },
          },
        },
        auditPut(this.table.tableName, by, customRoleChange(orgOfItwin(before.itwinId) ?? "", before, after)),
      ],
      () => concurrentChange(`Role '${before.id}'`),
    );
    return after;
  }

  async delete(role: CustomRole, by: ChangeBy) {
    const condition = unchangedSince(role);
    await transactOrExplain(
      this.table,
      [
        {
          Delete: {
            TableName: this.table.tableName,
            Key: keys.itwinRole(role.itwinId, role.id),
            ConditionExpression: condition.ConditionExpression,
            ...(Object.keys(condition.values).length ? { ExpressionAttributeValues: condition.values } : {}),
          },
        },
        auditPut(this.table.tableName, by, customRoleChange(orgOfItwin(role.itwinId) ?? "", role, undefined)),
      ],
      () => concurrentChange(`Role '${role.id}'`),
    );
  }
}
