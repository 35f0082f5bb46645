// A DynamoDB document client configured as the app's, whose middleware counts every request, the items reads return and the capacity DynamoDB reports.
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { makeDocumentClient } from "../../shared/store/client";

export const readCommands = [
  "GetItemCommand",
  "BatchGetItemCommand",
  "QueryCommand",
  "ScanCommand",
  "TransactGetItemsCommand",
] as const;
const writeCommands = [
  "PutItemCommand",
  "UpdateItemCommand",
  "DeleteItemCommand",
  "TransactWriteItemsCommand",
  "BatchWriteItemCommand",
] as const;

export interface Counts {
  /** Requests by SDK command name. */
  byCommand: Record<string, number>;
  reads: number;
  writes: number;
  /** Of the writes, the `UpdateItem`s that record an interaction (at most one per user, iModel and day). */
  interactionWrites: number;
  /** Items the reads returned (GetItem 0 or 1, BatchGetItem its responses, Query its page). */
  itemsRead: number;
  /** Capacity units DynamoDB reported, when it reports them (ReturnConsumedCapacity: TOTAL). */
  readCapacity: number;
  writeCapacity: number;
  capacityReported: boolean;
  /** Waits on DynamoDB one after another: a request sent while another is in flight adds none. */
  roundTrips: number;
}

const empty = (): Counts => ({
  byCommand: {},
  reads: 0,
  writes: 0,
  interactionWrites: 0,
  itemsRead: 0,
  readCapacity: 0,
  writeCapacity: 0,
  capacityReported: false,
  roundTrips: 0,
});

type Capacity = { CapacityUnits?: number };

export interface CountingClient {
  ddb: DynamoDBDocumentClient;
  counts(): Counts;
  reset(): void;
}

/** `withCapacity` asks DynamoDB for the consumed capacity of every request, which the benchmarks report beside the item counts. */
export function countingClient(endpoint: string, options: { withCapacity?: boolean } = {}): CountingClient {
  const ddb = makeDocumentClient({ region: "local", endpoint });
  let counts = empty();
  let inFlight = 0;
  // The document client shares the base client's middleware stack; at `initialize` the input is still the document form.
  ddb.middlewareStack.add(
    (next, context) => async (args) => {
      const command = context.commandName ?? "unknown";
      const input = args.input as Record<string, unknown>;
      if (options.withCapacity) input.ReturnConsumedCapacity = "TOTAL";
      const isRead = (readCommands as readonly string[]).includes(command);
      counts.byCommand[command] = (counts.byCommand[command] ?? 0) + 1;
      if (isRead) counts.reads++;
      else if ((writeCommands as readonly string[]).includes(command)) counts.writes++;
      const key = input.Key as { sk?: unknown } | undefined;
      if (command === "UpdateItemCommand" && typeof key?.sk === "string" && key.sk.startsWith("INTERACTED#"))
        counts.interactionWrites++;
      if (inFlight === 0) counts.roundTrips++;
      inFlight++;
      const result = await next(args).finally(() => inFlight--);
      const output = result.output as Record<string, unknown>;
      if (isRead) counts.itemsRead += itemsIn(command, output);
      const consumed = ([] as Capacity[]).concat((output.ConsumedCapacity as Capacity | Capacity[] | undefined) ?? []);
      for (const c of consumed) {
        if (c.CapacityUnits === undefined) continue;
        counts.capacityReported = true;
        if (isRead) counts.readCapacity += c.CapacityUnits;
        else counts.writeCapacity += c.CapacityUnits;
      }
      return result;
    },
    { step: "initialize", name: "benchCounting" },
  );
  return {
    ddb,
    counts: () => structuredClone(counts),
    reset: () => {
      counts = empty();
    },
  };
}

function itemsIn(command: string, output: Record<string, unknown>): number {
  if (command === "GetItemCommand") return output.Item ? 1 : 0;
  if (command === "QueryCommand" || command === "ScanCommand")
    return (output.Items as unknown[] | undefined)?.length ?? 0;
  if (command === "TransactGetItemsCommand")
    return ((output.Responses as { Item?: unknown }[] | undefined) ?? []).filter((r) => r.Item).length;
  const responses = (output.Responses as Record<string, unknown[]> | undefined) ?? {};
  return Object.values(responses).reduce((n, items) => n + items.length, 0);
}
