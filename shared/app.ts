// The one composition root: real clients by default, tests pass their own clients and clock.
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { clock as defaultClock, type Clock } from "./clock";
import { config } from "./config";
import { makeDocumentClient } from "./store/client";
import type { TableRef } from "./store/dynamo";
import { DynamoApplicationStore } from "./store/applications";
import { DynamoOrganizationStore } from "./store/organizations";
import { applicationUseCases } from "./usecases/applications";
import { organizationUseCases } from "./usecases/organizations";
import { tickUseCase } from "./usecases/tick";

export interface AppDeps {
  ddb?: DynamoDBDocumentClient;
  clock?: Clock;
  tableName?: string;
}

export function makeApp(deps: AppDeps = {}) {
  const table: TableRef = {
    ddb: deps.ddb ?? makeDocumentClient({ region: config.AWS_REGION, endpoint: config.DYNAMODB_ENDPOINT }),
    tableName: deps.tableName ?? config.TABLE_NAME,
  };
  const clock = deps.clock ?? defaultClock;
  const orgs = new DynamoOrganizationStore(table);
  return {
    organizations: organizationUseCases({ store: orgs, clock }),
    applications: applicationUseCases({ apps: new DynamoApplicationStore(table), orgs, clock }),
    tick: tickUseCase({ clock, steps: [] }),
  };
}

export type App = ReturnType<typeof makeApp>;
