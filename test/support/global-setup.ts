// Starts DynamoDB Local and the local SES server on free ports once for the whole run, creates the table, and stops both after.
import type { TestProject } from "vitest/node";
import { startDynamoDbLocal } from "../../infra/local/dynamodb";
import { startSesLocal } from "../../infra/local/ses";
import { ensureTable } from "../../infra/local/tables";

export const testTableName = "twin-access-test";

declare module "vitest" {
  export interface ProvidedContext {
    dynamodbEndpoint: string;
    sesEndpoint: string;
    tableName: string;
  }
}

export default async function setup(project: TestProject) {
  const [dynamodb, ses] = await Promise.all([startDynamoDbLocal(), startSesLocal()]);
  await ensureTable(dynamodb.endpoint, testTableName);
  project.provide("dynamodbEndpoint", dynamodb.endpoint);
  project.provide("sesEndpoint", ses.endpoint);
  project.provide("tableName", testTableName);
  return async () => {
    await Promise.all([dynamodb.stop(), ses.stop()]);
  };
}
