// The changeset append: the iModel's counter moves to the new index and the changeset takes it, in one transaction
// (a push's and a synchronization run's alike), so indexes have no gaps or duplicates.
import type { Changeset, Imodel } from "../domain/imodel";
import { keys } from "./keys";
import type { TransactItem } from "./transact";

/**
 * The two actions that append `changeset` (its `index` is the count read plus one): the counter's update, conditioned
 * on the count read (its old item comes back when refused), then the changeset's Put.
 */
export function changesetAppend(
  tableName: string,
  imodel: Pick<Imodel, "itwinId" | "id">,
  changeset: Changeset,
): [counter: TransactItem, changeset: TransactItem] {
  return [
    {
      Update: {
        TableName: tableName,
        Key: keys.imodel(imodel.itwinId, imodel.id),
        UpdateExpression: "SET changesetCount = :next",
        // Indexes without gaps or duplicates: only the writer that read the current count appends.
        ConditionExpression: "attribute_exists(pk) AND changesetCount = :read",
        ExpressionAttributeValues: { ":next": changeset.index, ":read": changeset.index - 1 },
        ReturnValuesOnConditionCheckFailure: "ALL_OLD",
      },
    },
    {
      Put: {
        TableName: tableName,
        Item: { ...keys.changeset(imodel.id, changeset.index), ...changeset },
        ConditionExpression: "attribute_not_exists(pk)",
      },
    },
  ];
}
