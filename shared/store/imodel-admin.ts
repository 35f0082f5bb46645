// iModel reads and writes beyond SPEC section 2 (section 7): its own access list read back, its name changed.
import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import type { AccessEntry, Imodel } from "../domain/imodel";
import { notFound } from "../errors";
import { isConditionFailure, strip, type TableRef } from "./dynamo";
import { keys } from "./keys";
import { allOfPrefix } from "./partition";

export interface ImodelAdminStore {
  /**
   * Every entry stored under the iModel's `ACCESS#` prefix, of any list version (stale ones wait for the
   * worker's purge): strongly consistent Query pages, sent without knowing the version, so it can go out with
   * the permission check; the caller keeps those of the current version.
   */
  accessEntries(imodelId: string): Promise<AccessEntry[]>;
  /** Sets the name of an existing iModel (404 when it is gone). */
  rename(imodel: Pick<Imodel, "id" | "itwinId">, name: string): Promise<Imodel>;
}

export class DynamoImodelAdminStore implements ImodelAdminStore {
  constructor(private readonly table: TableRef) {}

  async accessEntries(imodelId: string) {
    const items = await allOfPrefix(this.table, keys.imodelPartition(imodelId).pk, keys.imodelAccessPrefix);
    return items.map((i) => strip<AccessEntry>(i)!);
  }

  async rename(imodel: Pick<Imodel, "id" | "itwinId">, name: string) {
    try {
      const out = await this.table.ddb.send(
        new UpdateCommand({
          TableName: this.table.tableName,
          Key: keys.imodel(imodel.itwinId, imodel.id),
          UpdateExpression: "SET #name = :name",
          ConditionExpression: "attribute_exists(pk)",
          ExpressionAttributeNames: { "#name": "name" },
          ExpressionAttributeValues: { ":name": name },
          ReturnValues: "ALL_NEW",
        }),
      );
      return strip<Imodel>(out.Attributes)!;
    } catch (error) {
      if (isConditionFailure(error)) throw notFound("iModel", imodel.id);
      throw error;
    }
  }
}
