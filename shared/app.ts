// The one composition root: real clients by default, tests pass their own clients and clock.
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { makeSesClient, SesMailSender, type MailSender } from "./mail/sender";
import { clock as defaultClock, type Clock } from "./clock";
import { config } from "./config";
import { makeDocumentClient } from "./store/client";
import type { TableRef } from "./store/dynamo";
import { DynamoApplicationStore } from "./store/applications";
import { DynamoImodelStore } from "./store/imodels";
import { DynamoItwinStore } from "./store/itwins";
import { DynamoOrganizationStore } from "./store/organizations";
import { DynamoOutboxStore } from "./store/outbox";
import { DynamoSyncStore } from "./store/sync";
import { DynamoTimelineStore } from "./store/timeline";
import { applicationUseCases } from "./usecases/applications";
import { imodelGuard } from "./usecases/imodel-access";
import { imodelUseCases } from "./usecases/imodels";
import { itwinUseCases } from "./usecases/itwins";
import { notificationUseCases } from "./usecases/notifications";
import { organizationUseCases } from "./usecases/organizations";
import { syncUseCases } from "./usecases/sync";
import { testItwinUseCases } from "./usecases/test-itwins";
import { tickUseCase } from "./usecases/tick";
import { timelineUseCases } from "./usecases/timeline";
import { triggerSteps } from "./usecases/trigger";

export interface AppDeps {
  ddb?: DynamoDBDocumentClient;
  clock?: Clock;
  tableName?: string;
  /** Tests inject a sender to simulate an SES outage the local server cannot produce. */
  mailer?: MailSender;
}

export function makeApp(deps: AppDeps = {}) {
  const table: TableRef = {
    ddb: deps.ddb ?? makeDocumentClient({ region: config.AWS_REGION, endpoint: config.DYNAMODB_ENDPOINT }),
    tableName: deps.tableName ?? config.TABLE_NAME,
  };
  const clock = deps.clock ?? defaultClock;
  const orgs = new DynamoOrganizationStore(table);
  const itwins = new DynamoItwinStore(table);
  const imodels = new DynamoImodelStore(table);
  const guard = imodelGuard({ imodels, clock });
  const mailer = deps.mailer ?? new SesMailSender(makeSesClient({ region: config.AWS_REGION, endpoint: config.SES_ENDPOINT }), config.SENDER_EMAIL);
  const outbox = new DynamoOutboxStore(table);
  const notifications = notificationUseCases({ outbox, sender: mailer, clock });
  const syncStore = new DynamoSyncStore(table);
  const warningDays = config.TOKEN_WARNING_DAYS;
  const sync = syncUseCases({ sync: syncStore, guard, orgs, outbox, notifications, clock, warningDays });
  const steps = triggerSteps({
    sync: syncStore,
    outbox,
    runs: sync,
    notifications,
    warningDays,
    limits: { perStep: config.TICK_MAX_ITEMS, concurrency: config.TICK_CONCURRENCY },
  });
  return {
    organizations: organizationUseCases({ store: orgs, itwins, clock }),
    applications: applicationUseCases({ apps: new DynamoApplicationStore(table), orgs, clock }),
    itwins: itwinUseCases({ itwins, organizations: orgs, clock }),
    testItwins: testItwinUseCases({ itwins, organizations: orgs, clock }),
    imodels: imodelUseCases({ imodels, itwins, guard, clock }),
    timeline: timelineUseCases({ timeline: new DynamoTimelineStore(table), guard, clock }),
    sync,
    notifications,
    tick: tickUseCase({ clock, steps }),
  };
}

export type App = ReturnType<typeof makeApp>;
