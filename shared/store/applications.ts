// DynamoDB repository of applications: the item itself, plus list entries in the organisation's partition for managers and for each owner.
import { GetCommand, TransactWriteCommand, UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { Application } from "../domain/application";
import type { Member } from "../domain/organization";
import { conflict, notFound } from "../errors";
import { cancellationReasons, isConditionFailure, strip, type TableRef } from "./dynamo";
import { keys } from "./keys";
import type { Page } from "./page";
import { pageOfEntries } from "./partition";
import { actorUnchanged, concurrentChange } from "./organizations";

export interface ApplicationStore {
  get(appId: string): Promise<Application | undefined>;
  /** The application's key, to read it in the same request as something else (the caller's membership). */
  keyOf(appId: string): Record<string, unknown>;
  /** The application in an item read that way, if it is one. */
  fromItem(item: Record<string, unknown> | undefined): Application | undefined;
  /** Creates the application and its list entries; the creator's membership must be unchanged since read. */
  create(app: Application, actor: Member): Promise<void>;
  rename(app: Application, name: string, now: Date): Promise<Application>;
  addOwner(app: Application, owner: Member, now: Date): Promise<Application>;
  delete(app: Application): Promise<void>;
  /** Every application of the organisation (managers), or those `ownerId` owns (Developers). */
  list(orgId: string, ownerId: string | undefined, limit: number, cursor?: string): Promise<Page<Application>>;
}

export class DynamoApplicationStore implements ApplicationStore {
  constructor(private readonly table: TableRef) {}

  keyOf(appId: string) {
    return keys.application(appId);
  }

  fromItem(item: Record<string, unknown> | undefined) {
    return item?.sk === "APP" ? strip<Application>(item) : undefined;
  }

  async get(appId: string) {
    const out = await this.table.ddb.send(
      new GetCommand({ TableName: this.table.tableName, Key: keys.application(appId), ConsistentRead: true }),
    );
    return strip<Application>(out.Item);
  }

  async create(app: Application, actor: Member) {
    const table = this.table.tableName;
    await this.table.ddb.send(
      new TransactWriteCommand({
        TransactItems: [
          { Put: { TableName: table, Item: { ...keys.application(app.id), ...app }, ConditionExpression: "attribute_not_exists(pk)" } },
          { Put: { TableName: table, Item: { ...keys.orgApplication(app.orgId, app.id), appId: app.id } } },
          ...app.owners.map((owner) => ({
            Put: { TableName: table, Item: { ...keys.ownedApplication(app.orgId, owner, app.id), appId: app.id } },
          })),
          actorUnchanged(table, app.orgId, actor),
        ],
      }),
    ).catch((error: unknown) => {
      throw cancellationReasons(error) ? concurrentChange() : error;
    });
  }

  async rename(app: Application, name: string, now: Date) {
    try {
      const out = await this.table.ddb.send(
        new UpdateCommand({
          TableName: this.table.tableName,
          Key: keys.application(app.id),
          UpdateExpression: "SET #name = :name, updatedAt = :now ADD version :one",
          ConditionExpression: "attribute_exists(pk)",
          ExpressionAttributeNames: { "#name": "name" },
          ExpressionAttributeValues: { ":name": name, ":now": now.toISOString(), ":one": 1 },
          ReturnValues: "ALL_NEW",
        }),
      );
      return strip<Application>(out.Attributes)!;
    } catch (error) {
      if (isConditionFailure(error)) throw notFound("application", app.id);
      throw error;
    }
  }

  async addOwner(app: Application, owner: Member, now: Date) {
    const table = this.table.tableName;
    const after: Application = { ...app, owners: [...app.owners, owner.userId], updatedAt: now.toISOString(), version: app.version + 1 };
    try {
      await this.table.ddb.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: table,
                Item: { ...keys.application(app.id), ...after },
                ConditionExpression: "version = :v",
                ExpressionAttributeValues: { ":v": app.version },
              },
            },
            { Put: { TableName: table, Item: { ...keys.ownedApplication(app.orgId, owner.userId, app.id), appId: app.id } } },
            {
              // The new owner must still be the member that was read (not removed meanwhile).
              ConditionCheck: {
                TableName: table,
                Key: keys.member(app.orgId, owner.userId),
                ConditionExpression: "version = :ov",
                ExpressionAttributeValues: { ":ov": owner.version },
              },
            },
          ],
        }),
      );
      return after;
    } catch (error) {
      if (cancellationReasons(error)) throw concurrentChange();
      throw error;
    }
  }

  async delete(app: Application) {
    const table = this.table.tableName;
    try {
      await this.table.ddb.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Delete: {
                TableName: table,
                Key: keys.application(app.id),
                ConditionExpression: "version = :v",
                ExpressionAttributeValues: { ":v": app.version },
              },
            },
            { Delete: { TableName: table, Key: keys.orgApplication(app.orgId, app.id) } },
            ...app.owners.map((owner) => ({ Delete: { TableName: table, Key: keys.ownedApplication(app.orgId, owner, app.id) } })),
          ],
        }),
      );
    } catch (error) {
      if (cancellationReasons(error)) throw concurrentChange();
      throw error;
    }
  }

  list(orgId: string, ownerId: string | undefined, limit: number, cursor?: string): Promise<Page<Application>> {
    const prefix = ownerId ? keys.ownedApplicationPrefix(ownerId) : keys.orgApplicationPrefix;
    return pageOfEntries<Application>(this.table, keys.org(orgId).pk, prefix, { limit, cursor }, (e) => keys.application(e.appId as string));
  }
}

export const ownerLimitReached = (max: number) =>
  conflict("TooManyOwners", `An application lists at most ${max} owners; remove one before adding another`);
