// The one composition root: real clients by default, tests pass their own clients and clock; one builder per Lambda group.
import type { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { InProcessJobs, type JobHandler, type Jobs } from "./jobs";
import { LambdaJobs } from "./jobs-lambda";
import { makeSesClient, SesMailSender, type MailSender } from "./mail/sender";
import type { Recipient } from "./mail/templates";
import { clock as defaultClock, type Clock } from "./clock";
import { config } from "./config";
import { setOrgRequestRate } from "./http/org-limit";
import { guardCapacity } from "./store/capacity";
import { makeDocumentClient } from "./store/client";
import type { TableRef } from "./store/dynamo";
import { DynamoApplicationStore } from "./store/applications";
import { DynamoAuditStore } from "./store/audit";
import { DynamoReceiptStore } from "./store/idempotency";
import { DynamoImodelStore } from "./store/imodels";
import { DynamoItwinStore } from "./store/itwins";
import { DynamoInvitationStore } from "./store/invitations";
import { DynamoMemberRemovalStore } from "./store/member-removal";
import { DynamoOrganizationStore } from "./store/organizations";
import { DynamoUserOrganizationStore } from "./store/user-organizations";
import { DynamoOutboxStore } from "./store/outbox";
import { DynamoSyncStore } from "./store/sync";
import { DynamoTimelineStore } from "./store/timeline";
import { applicationUseCases } from "./usecases/applications";
import { imodelAuditUseCases, organizationAuditUseCases } from "./usecases/audit";
import { imodelGuard } from "./usecases/imodel-access";
import { imodelJobs, imodelUseCases } from "./usecases/imodels";
import { itwinRoleUseCases } from "./usecases/itwin-roles";
import { imodelAdminUseCases } from "./usecases/imodel-admin";
import { DynamoRoleStore } from "./store/role-use";
import { DynamoImodelAdminStore } from "./store/imodel-admin";
import { itwinUseCases } from "./usecases/itwins";
import { notificationUseCases } from "./usecases/notifications";
import { invitationUseCases } from "./usecases/invitations";
import { memberRemovalJobs, memberRemovalUseCases } from "./usecases/member-removal";
import { organizationUseCases } from "./usecases/organizations";
import { userOrganizationUseCases } from "./usecases/user-organizations";
import { syncUseCases } from "./usecases/sync";
import { connectionPauseUseCases } from "./usecases/connection-pause";
import { myConnectionsUseCases } from "./usecases/my-connections";
import { runCancelUseCases } from "./usecases/run-cancel";
import { visitsOf } from "./usecases/sync-visits";
import { itwinJobs, testItwinUseCases } from "./usecases/test-itwins";
import { DynamoDispatchStore } from "./store/dispatch";
import { dispatchUseCases, type DispatchLimits } from "./usecases/dispatch";
import { tickUseCase } from "./usecases/tick";
import { timelineUseCases } from "./usecases/timeline";
import { triggerSteps } from "./usecases/trigger";

export interface AppDeps {
  ddb?: DynamoDBDocumentClient;
  clock?: Clock;
  tableName?: string;
  /** Tests inject a sender to simulate an SES outage the local server cannot produce. */
  mailer?: MailSender;
  /** Where background jobs go; by default the worker function when one is configured, else this process. */
  jobs?: Jobs;
  /** Dispatch settings other than the configuration's (tests use small batches). */
  dispatch?: Partial<DispatchLimits>;
}

/** What every part of the app is built on: the table, the clock and the configuration's clients. */
export interface Wiring {
  table: TableRef;
  clock: Clock;
  deps: AppDeps;
}

export function wiring(deps: AppDeps = {}): Wiring {
  // The HTTP layer's per-organisation request rate (shared/http/org-limit.ts) comes from here, the one root that reads configuration.
  setOrgRequestRate(config.ORG_REQUESTS_PER_SECOND);
  return {
    table: {
      ddb: guardCapacity(
        deps.ddb ?? makeDocumentClient({ region: config.AWS_REGION, endpoint: config.DYNAMODB_ENDPOINT }),
      ),
      tableName: deps.tableName ?? config.TABLE_NAME,
    },
    clock: deps.clock ?? defaultClock,
    deps,
  };
}

// One builder per Lambda group: a function bundles only what its builder reaches, so its cold start
// loads its own rules and stores, not the whole service.

/** Where the idempotent routes of a group keep their answers (shared/http/idempotency.ts). */
const receiptsOf = ({ table, clock }: Wiring) => ({ store: new DynamoReceiptStore(table), clock });

export function organizationsApp(w: Wiring) {
  const { table, clock } = w;
  const store = new DynamoOrganizationStore(table);
  const removal = new DynamoMemberRemovalStore(table, store);
  return {
    receipts: receiptsOf(w),
    organizations: organizationUseCases({ store, clock, invitationDays: config.INVITATION_DAYS }),
    organizationAudit: organizationAuditUseCases({ audit: new DynamoAuditStore(table), organizations: store, clock }),
    invitations: invitationUseCases({ orgs: store, invitations: new DynamoInvitationStore(table), clock }),
    memberRemoval: memberRemovalUseCases({
      orgs: store,
      removal,
      jobs: jobsFor(w.deps, memberRemovalJobs(removal)),
      clock,
    }),
    userOrganizations: userOrganizationUseCases({ store: new DynamoUserOrganizationStore(table) }),
  };
}

export function portalApp(w: Wiring) {
  const { table, clock } = w;
  return {
    receipts: receiptsOf(w),
    applications: applicationUseCases({
      apps: new DynamoApplicationStore(table),
      orgs: new DynamoOrganizationStore(table),
      clock,
    }),
  };
}

export function itwinsApp(w: Wiring) {
  const { table, clock, deps } = w;
  const itwins = new DynamoItwinStore(table);
  const organizations = new DynamoOrganizationStore(table);
  return {
    receipts: receiptsOf(w),
    itwins: itwinUseCases({ itwins, organizations, clock }),
    testItwins: testItwinUseCases({ itwins, organizations, jobs: jobsFor(deps, itwinJobs(itwins)), clock }),
    itwinRoles: itwinRoleUseCases({ roles: new DynamoRoleStore(table), organizations, clock }),
  };
}

/**
 * Where a group's background jobs go: the worker function when one is configured (AWS, the local stack),
 * else this process, bound to `inProcess` (tests). Tests may pass their own.
 */
function jobsFor(deps: AppDeps, inProcess: JobHandler): Jobs {
  if (deps.jobs) return deps.jobs;
  const worker =
    config.WORKER_FUNCTION_NAME ?? (config.WORKER_IS_SELF === "true" ? config.AWS_LAMBDA_FUNCTION_NAME : undefined);
  if (worker)
    return new LambdaJobs({ functionName: worker, region: config.AWS_REGION, endpoint: config.LAMBDA_ENDPOINT });
  return new InProcessJobs().bind(inProcess);
}

export function imodelsApp(w: Wiring) {
  const { table, clock, deps } = w;
  const imodels = new DynamoImodelStore(table);
  const organizations = new DynamoOrganizationStore(table);
  const guard = imodelGuard({ imodels, organizations, clock });
  const jobs = jobsFor(deps, imodelJobs(imodels));
  return {
    receipts: receiptsOf(w),
    imodels: imodelUseCases({ imodels, itwins: new DynamoItwinStore(table), organizations, guard, jobs, clock }),
    timeline: timelineUseCases({ timeline: new DynamoTimelineStore(table), guard, clock }),
    imodelAdmin: imodelAdminUseCases({ admin: new DynamoImodelAdminStore(table), guard }),
    imodelAudit: imodelAuditUseCases({ audit: new DynamoAuditStore(table), guard, clock }),
  };
}

/** Synchronization and the trigger share one wiring: the trigger starts runs and delivers the mail sync records. */
export function syncApp(w: Wiring) {
  const { table, clock, deps } = w;
  const imodels = new DynamoImodelStore(table);
  const orgs = new DynamoOrganizationStore(table);
  const guard = imodelGuard({ imodels, organizations: orgs, clock });
  const mailer =
    deps.mailer ??
    new SesMailSender(makeSesClient({ region: config.AWS_REGION, endpoint: config.SES_ENDPOINT }), config.SENDER_EMAIL);
  const outbox = new DynamoOutboxStore(table);
  // Only the address the member's own verified token carried (never the one a manager typed when adding them).
  const contacts = async ({ orgId, userId }: Recipient) => {
    const member = (await orgs.getMembers(orgId, [userId]))[0];
    return member && { email: member.verifiedEmail, name: member.name };
  };
  const notifications = notificationUseCases({
    outbox,
    sender: mailer,
    clock,
    contacts,
    mailPerHour: config.MAIL_MAX_PER_HOUR,
  });
  const syncStore = new DynamoSyncStore(table);
  const warningDays = config.TOKEN_WARNING_DAYS;
  // The worker: the tick function does every group's background jobs.
  const purges = imodelJobs(imodels);
  const work: JobHandler = async (job) =>
    job.kind === "executeRun" || job.kind === "deliver"
      ? sync.work(job)
      : job.kind === "startDue" || job.kind === "dispatchDue"
        ? dispatch.work(job)
        : purges(job);
  const jobs = jobsFor(deps, work);
  const sync = syncUseCases({ sync: syncStore, guard, outbox, notifications, jobs, clock, warningDays });
  const dispatch = dispatchUseCases({
    due: new DynamoDispatchStore(table),
    sync: syncStore,
    runs: sync,
    jobs,
    clock,
    limits: {
      batchSize: config.DISPATCH_BATCH_SIZE,
      maxItems: config.DISPATCH_MAX_ITEMS,
      budgetMs: config.DISPATCH_BUDGET_MS,
      perBatch: config.WORKER_RUN_CONCURRENCY,
      tenantMaxRunning: config.ORG_MAX_RUNNING,
      slotWaitMs: 20_000,
      ...deps.dispatch,
    },
  });
  const steps = triggerSteps({
    sync: syncStore,
    outbox,
    runs: sync,
    notifications,
    warningDays,
    limits: { perStep: config.TICK_MAX_ITEMS, concurrency: config.TICK_CONCURRENCY },
    dispatchRuns: dispatch.step,
  });
  return {
    receipts: receiptsOf(w),
    sync,
    // Issue 15: the connections I own, pausing a schedule, cancelling a run.
    myConnections: myConnectionsUseCases({ table, clock }),
    connectionPause: connectionPauseUseCases({ sync }),
    runCancel: runCancelUseCases({ table, guard, visits: visitsOf({ sync: syncStore, clock, warningDays }), clock }),
    notifications,
    dispatch,
    tick: tickUseCase({ clock, steps }),
    work,
  };
}

/** The tick function: the trigger, and the worker of every group's background jobs. */
export function workerApp(w: Wiring) {
  const app = syncApp(w);
  const purgeItwins = itwinJobs(new DynamoItwinStore(w.table));
  const leaveTeams = memberRemovalJobs(new DynamoMemberRemovalStore(w.table, new DynamoOrganizationStore(w.table)));
  const work: JobHandler = async (job) =>
    job.kind === "purgeItwin" ? purgeItwins(job) : job.kind === "leaveTeams" ? leaveTeams(job) : app.work(job);
  return { ...app, work };
}

/** The whole service over one wiring: the local stack and tests use it. */
export function makeApp(deps: AppDeps = {}) {
  const w = wiring(deps);
  return { ...organizationsApp(w), ...portalApp(w), ...itwinsApp(w), ...imodelsApp(w), ...workerApp(w) };
}

export type App = ReturnType<typeof makeApp>;
