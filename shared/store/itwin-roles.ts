// An iTwin's custom roles: created while the iTwin exists, read by id with an access check, listed. DynamoItwinStore
// extends this part.
import type { CustomRole } from "../domain/itwin";
import { notFound } from "../errors";
import { cancellationReasons, strip, type TableRef } from "./dynamo";
import { keys } from "./keys";
import { batchGetMany, pageOfPrefix, type PageRequest } from "./partition";
import { transactWrite } from "./transact";

export class DynamoItwinRoles {
  constructor(protected readonly table: TableRef) {}

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
}
