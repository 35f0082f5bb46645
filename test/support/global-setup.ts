// Starts DynamoDB Local and the local SES server on free ports once for the whole run and stops both after; each test file makes its own table (test/support/env.ts).
import type { TestProject } from "vitest/node";
import { bundledHandlers, ensureSynthesized } from "../../infra/local/bundles";
import { startDynamoDbLocal } from "../../infra/local/dynamodb";
import { startSesLocal } from "../../infra/local/ses";

/** Each test file's table name starts with this. */
export const testTablePrefix = "twin-access-test";

declare module "vitest" {
  export interface ProvidedContext {
    dynamodbEndpoint: string;
    sesEndpoint: string;
    tableName: string;
  }
}

export default async function setup(project: TestProject) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";
  // LOCAL_HANDLERS=bundled: the tests call the bundles `cdk deploy` uploads; built once here when cdk.out is missing or stale.
  if (bundledHandlers()) {
    ensureSynthesized();
    console.log(`LOCAL_HANDLERS=bundled: the handlers are the bundles in cdk.out, run on Node ${process.version}`);
  }
  const [dynamodb, ses] = await Promise.all([startDynamoDbLocal(), startSesLocal()]);
  project.provide("dynamodbEndpoint", dynamodb.endpoint);
  project.provide("sesEndpoint", ses.endpoint);
  project.provide("tableName", testTablePrefix);
  return async () => {
    await Promise.all([dynamodb.stop(), ses.stop()]);
  };
}
