// DynamoDB repository of applications: the item itself, plus list entries in the organisation's partition for managers and for each owner.
import { GetCommand, TransactWriteCommand } from "@aws-sdk/lib-dynamodb";
import type { Application } from "../domain/application";
import type { ChangeBy } from "../domain/audit";
import type { Member } from "../domain/organization";
import { cancellationReasons, strip, type TableRef, type TransactItem } from "./dynamo";
import { applicationOwners, auditPut } from "./audit";
import { keys } from "./keys";
import type { Page } from "./page";
import { pageOfPrefix } from "./partition";
import { actorUnchanged, membersChanged } from "./organizations";

export interface ApplicationStore {
  get(appId: string): Promise<Application | undefined>;
  /** The application's key, to read it in the same request as something else (the caller's membership). */
  keyOf(appId: string): Record<string, unknown>;
  /** The application in an item read that way, if it is one. */
  fromItem(item: Record<string, unknown> | undefined): Application | undefined;
  /** Creates the application and its list entries; the creator's membership must be unchanged since read. */
  create(app: Application, actor: Member): Promise<void>;
  /** Renames the application as read; ConcurrentChange when it changed meanwhile (404 when it is gone). */
  rename(app: Application, name: string, now: Date): Promise<Application>;
  /** Lists `owner` too, with the audit entry (`by` the actor) in the same transaction; ConcurrentChange on a race. */
  addOwner(app: Application, owner: Member, by: ChangeBy): Promise<Application>;
  delete(app: Application): Promise<void>;
  /**
   * Every application of the organisation (managers), or those `ownerId` owns (Developers): one Query
   * of list entries that hold the application as answered (each change rewrites them all, at most
   * `MAX_OWNERS` + 1, in the application's own transaction).
   */
  list(orgId: string, ownerId: string | undefined, limit: number, cursor?: string): Promise<Page<Application>>;
}

export class DynamoApplicationStore implements ApplicationStore {
  constructor(private readonly table: TableRef) {}

  /** The application's list entries, in the organisation's partition: one for managers' lists, one per owner. */
  private entryKeys(app: Application) {
    return [
      keys.orgApplication(app.orgId, app.id),
      ...app.owners.map((owner) => keys.ownedApplication(app.orgId, owner, app.id)),
    ];
  }

  /** Puts of the application, conditioned on the version read (`attribute_not_exists` when new), and of every list entry, holding it as answered. */
  private puts(app: Application, readVersion?: number): TransactItem[] {
    const table = this.table.tableName;
    const condition =
      readVersion === undefined
        ? { ConditionExpression: "attribute_not_exists(pk)" }
        : { ConditionExpression: "version = :v", ExpressionAttributeValues: { ":v": readVersion } };
    return [
      { Put: { TableName: table, Item: { ...keys.application(app.id), ...app }, ...condition } },
      ...this.entryKeys(app).map((key) => ({ Put: { TableName: table, Item: { ...key, ...app, appId: app.id } } })),
    ];
  }

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
    await this.table.ddb
      .send(
        new TransactWriteCommand({
          TransactItems: [...this.puts(app), actorUnchanged(this.table.tableName, app.orgId, actor)],
        }),
      )
      .catch((error: unknown) => {
        throw cancellationReasons(error) ? membersChanged() : error;
      });
  }

  async rename(app: Application, name: string, now: Date) {
    const after: Application = { ...app, name, updatedAt: now.toISOString(), version: app.version + 1 };
    try {
      await this.table.ddb.send(new TransactWriteCommand({ TransactItems: this.puts(after, app.version) }));
      return after;
    } catch (error) {
      // Changed or deleted since read: the use case reads again (and answers 404 when it is gone).
      if (cancellationReasons(error)) throw membersChanged();
      throw error;
    }
  }

  async addOwner(app: Application, owner: Member, by: ChangeBy) {
    const table = this.table.tableName;
    const after: Application = {
      ...app,
      owners: [...app.owners, owner.userId],
      updatedAt: by.at,
      version: app.version + 1,
    };
    try {
      await this.table.ddb.send(
        new TransactWriteCommand({
          TransactItems: [
            ...this.puts(after, app.version),
            {
              // The new owner must still be the member that was read (not removed meanwhile).
              ConditionCheck: {
                TableName: table,
                Key: keys.member(app.orgId, owner.userId),
                ConditionExpression: "version = :ov",
                ExpressionAttributeValues: { ":ov": owner.version },
              },
            },
            auditPut(table, by, applicationOwners(app, after)),
          ],
        }),
      );
      return after;
    } catch (error) {
      if (cancellationReasons(error)) throw membersChanged();
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
            ...this.entryKeys(app).map((Key) => ({ Delete: { TableName: table, Key } })),
          ],
        }),
      );
    } catch (error) {
      if (cancellationReasons(error)) throw membersChanged();
      throw error;
    }
  }

  list(orgId: string, ownerId: string | undefined, limit: number, cursor?: string): Promise<Page<Application>> {
    const prefix = ownerId ? keys.ownedApplicationPrefix(ownerId) : keys.orgApplicationPrefix;
    return pageOfPrefix<Application>(this.table, keys.org(orgId).pk, prefix, { limit, cursor });
  }
}
