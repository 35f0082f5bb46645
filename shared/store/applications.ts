// DynamoDB repository of applications: the item itself, plus list entries in the organisation's partition for managers and for each owner.
import { GetCommand } from "@aws-sdk/lib-dynamodb";
import type { Application } from "../domain/application";
import type { ChangeBy } from "../domain/audit";
import type { Receipt } from "../domain/idempotency";
import type { Member } from "../domain/organization";
import { strip, type TableRef } from "./dynamo";
import { ReceiptTaken, withReceipt } from "./idempotency";
import { transactOrExplain, type TransactItem } from "./transact";
import { applicationOwners, auditPut } from "./audit";
import { keys } from "./keys";
import { itemReader, type Reader } from "./together";
import type { Page } from "./page";
import { pageOfPrefix } from "./partition";
import { actorUnchanged, membersChanged } from "./member-checks";

export interface ApplicationStore {
  get(appId: string): Promise<Application | undefined>;
  /** The application's key, to read it in the same request as something else (the caller's membership). */
  /** The application (undefined when none), to read in the same request as the caller's membership. */
  reader(appId: string): Reader<Application | undefined>;
  /** Creates the application and its list entries; the creator's membership must be unchanged since read. */
  create(app: Application, actor: Member): Promise<void>;
  /** Renames the application as read; ConcurrentChange when it changed meanwhile (404 when it is gone). */
  rename(app: Application, name: string, now: Date): Promise<Application>;
  /**
   * `receiptOf` gives the Idempotency-Key's answer for the application as written, kept in the same transaction
   * (ReceiptTaken); so is the audit entry (`by` the actor).
   */
  addOwner(
    app: Application,
    owner: Member,
    by: ChangeBy,
    receiptOf?: (after: Application) => Receipt,
  ): Promise<Application>;
  /** Removes a listed owner from the application as read (its owner's list entry goes with it); ConcurrentChange when it changed meanwhile. */
  removeOwner(app: Application, ownerId: string, now: Date, by: ChangeBy): Promise<Application>;
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

  reader(appId: string): Reader<Application | undefined> {
    return itemReader<Application>(keys.application(appId), (item) => item.sk === "APP");
  }

  async get(appId: string) {
    const out = await this.table.ddb.send(
      new GetCommand({ TableName: this.table.tableName, Key: keys.application(appId), ConsistentRead: true }),
    );
    return strip<Application>(out.Item);
  }

  async create(app: Application, actor: Member) {
    await transactOrExplain(
      this.table,
      [...this.puts(app), actorUnchanged(this.table.tableName, app.orgId, actor)],
      membersChanged,
    );
  }

  async rename(app: Application, name: string, now: Date) {
    const after: Application = { ...app, name, updatedAt: now.toISOString(), version: app.version + 1 };
    // Changed or deleted since read: the use case reads again (and answers 404 when it is gone).
    await transactOrExplain(this.table, this.puts(after, app.version), membersChanged);
    return after;
  }

  async addOwner(app: Application, owner: Member, by: ChangeBy, receiptOf?: (after: Application) => Receipt) {
    const table = this.table.tableName;
    const after: Application = {
      ...app,
      owners: [...app.owners, owner.userId],
      updatedAt: by.at,
      version: app.version + 1,
    };
    const { items, refused } = withReceipt(
      table,
      [
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
      receiptOf?.(after),
    );
    await transactOrExplain(this.table, items, (reasons) => (refused(reasons) ? new ReceiptTaken() : membersChanged()));
    return after;
  }

  async removeOwner(app: Application, ownerId: string, now: Date, by: ChangeBy) {
    const after: Application = {
      ...app,
      owners: app.owners.filter((o) => o !== ownerId),
      updatedAt: now.toISOString(),
      version: app.version + 1,
    };
    await transactOrExplain(
      this.table,
      [
        // Conditioned on the version read: of two removals racing for the last two owners, one re-reads and sees one left.
        ...this.puts(after, app.version),
        { Delete: { TableName: this.table.tableName, Key: keys.ownedApplication(app.orgId, ownerId, app.id) } },
        auditPut(this.table.tableName, by, applicationOwners(app, after)),
      ],
      () => membersChanged(),
    );
    return after;
  }

  async delete(app: Application) {
    const table = this.table.tableName;
    await transactOrExplain(
      this.table,
      [
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
      membersChanged,
    );
  }

  list(orgId: string, ownerId: string | undefined, limit: number, cursor?: string): Promise<Page<Application>> {
    const prefix = ownerId ? keys.ownedApplicationPrefix(ownerId) : keys.orgApplicationPrefix;
    return pageOfPrefix<Application>(this.table, keys.org(orgId).pk, prefix, { limit, cursor });
  }
}
