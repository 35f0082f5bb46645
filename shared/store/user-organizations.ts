// DynamoDB reads of a user's organisations: their member items on gsi1 (USER#<userId> / ORG#<orgId>), one Query per page.
import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import type { Member, Organization } from "../domain/organization";
import { strip, type TableRef } from "./dynamo";
import { keys } from "./keys";
import { decodeCursor, encodeCursor, type Page } from "./page";
import { batchGetMany, type PageRequest } from "./partition";

export interface UserOrganizationStore {
  /**
   * A page of the user's member items, one per organisation, in organisation id order. Read from gsi1, so
   * eventually consistent: a change of a moment ago may not show yet (no rule is decided on it).
   */
  membershipsOf(userId: string, page: PageRequest): Promise<Page<Member>>;
  /** Organisations by id, one BatchGetItem: only for member items written before they carried the organisation's copy. */
  organizations(orgIds: string[]): Promise<Organization[]>;
}

export class DynamoUserOrganizationStore implements UserOrganizationStore {
  constructor(private readonly table: TableRef) {}

  async membershipsOf(userId: string, page: PageRequest): Promise<Page<Member>> {
    const partition = keys.userOrgsPartition(userId);
    // The cursor is the index key alone (gsi1pk, gsi1sk); the table key DynamoDB also wants follows from it.
    const start = decodeCursor(page.cursor, partition, { name: "gsi1sk", prefix: keys.userOrgsPrefix });
    const orgId = start && String(start.gsi1sk).slice(keys.userOrgsPrefix.length);
    const out = await this.table.ddb.send(
      new QueryCommand({
        TableName: this.table.tableName,
        IndexName: "gsi1",
        KeyConditionExpression: "gsi1pk = :pk AND begins_with(gsi1sk, :prefix)",
        ExpressionAttributeValues: { ":pk": partition.gsi1pk, ":prefix": keys.userOrgsPrefix },
        Limit: page.limit,
        ...(start && orgId !== undefined ? { ExclusiveStartKey: { ...start, ...keys.member(orgId, userId) } } : {}),
      }),
    );
    const last = out.LastEvaluatedKey;
    return {
      items: (out.Items ?? []).map((i) => strip<Member>(i)!),
      next: encodeCursor(last && { gsi1pk: last.gsi1pk, gsi1sk: last.gsi1sk }),
    };
  }

  async organizations(orgIds: string[]): Promise<Organization[]> {
    if (!orgIds.length) return [];
    const items = await batchGetMany(
      this.table,
      orgIds.map((id) => keys.org(id)),
    );
    return items.map((i) => strip<Organization>(i)!);
  }
}
