// The Twin Access stack and the app around it: context settings, one function per route group plus the tick, and their wiring.
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { App, CfnOutput, Duration, Stack, Validations, type StackProps } from "aws-cdk-lib";
import * as cdkCloudwatch from "aws-cdk-lib/aws-cloudwatch";
import { SnsAction } from "aws-cdk-lib/aws-cloudwatch-actions";
import * as iam from "aws-cdk-lib/aws-iam";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import * as destinations from "aws-cdk-lib/aws-lambda-destinations";
import { AwsSolutionsChecks } from "cdk-nag";
import type { Construct } from "constructs";
import * as z from "zod";
import type { FunctionGroup } from "../shared/http/route";
import { routeList } from "../shared/http/routes";
import { Alarms } from "./constructs/alarms";
import { Api } from "./constructs/api";
import { Dashboard } from "./constructs/dashboard";
import { ServiceFunction, type TableAccess } from "./constructs/function";
import { Mail } from "./constructs/mail";
import { ServiceTable } from "./constructs/tables";
import { Trigger } from "./constructs/trigger";

export type FunctionName = FunctionGroup | "tick";

/** What each function may do with the table; meta serves only the health check, the OpenAPI document and the API page. */
export const tableAccess: Record<FunctionName, TableAccess | "none"> = {
  meta: "none",
  organizations: "readWrite",
  portal: "readWrite",
  itwins: "readWrite",
  imodels: "readWrite",
  sync: "readWrite",
  tick: "readWrite",
};

/** Who sends notifications (SPEC section 3): sync on ownership changes, the tick for expiry notices, warnings and redelivery. */
export const mailSenders: ReadonlySet<FunctionName> = new Set<FunctionName>(["sync", "tick"]);

/** Who hands work to the worker (shared/jobs.ts): sync (manual runs, the mail of ownership changes), imodels and itwins (what a delete or an access list change leaves), organizations (the teams a large removal leaves). */
export const jobSenders: ReadonlySet<FunctionName> = new Set<FunctionName>([
  "sync",
  "imodels",
  "itwins",
  "organizations",
]);

const settingsSchema = z.object({
  jwtIssuer: z.url({ protocol: /^https$/ }),
  jwtAudience: z.string().min(1),
  senderEmail: z.email(),
  tickSchedule: z.string().regex(/^(rate|cron)\(.+\)$/, "an EventBridge schedule expression: rate(...) or cron(...)"),
  /**
   * Concurrency reserved for the tick function, which is also the worker that drains due batches and jobs
   * (docs/scale.md: 100,000 runs in a minute need about 60). Reserved, it is both a floor (the API cannot
   * starve the workers) and a ceiling (the workers cannot starve the API of the account's concurrency).
   */
  workerConcurrency: z.coerce.number().int().min(1).max(10_000),
  /** Optional: subscribed by e-mail to the alarm topic. */
  alarmEmail: z.email().optional(),
});

export type Settings = z.infer<typeof settingsSchema>;

/** Reads the deploy-time settings from CDK context (cdk.json, or `-c key=value`), stopping synthesis on a missing or bad one. */
export function readSettings(scope: Construct): Settings {
  const raw = Object.fromEntries(Object.keys(settingsSchema.shape).map((key) => [key, scope.node.tryGetContext(key)]));
  const parsed = settingsSchema.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ");
    throw new Error(`Invalid CDK context (set it in cdk.json or with -c key=value): ${problems}`);
  }
  return parsed.data;
}

const projectRoot = fileURLToPath(new URL("..", import.meta.url));

const capitalized = (name: string): string => name.charAt(0).toUpperCase() + name.slice(1);

export interface TwinAccessStackProps extends StackProps {
  settings: Settings;
}

export class TwinAccessStack extends Stack {
  readonly table: ServiceTable;
  readonly api: Api;
  readonly trigger: Trigger;
  readonly alarms: Alarms;
  readonly dashboard: Dashboard;
  /** Every function of the stack by name: the HTTP groups found in the route table, and the tick. */
  readonly functions: Partial<Record<FunctionName, ServiceFunction>> = {};

  constructor(scope: Construct, id: string, props: TwinAccessStackProps) {
    super(scope, id, props);
    const { settings } = props;
    this.table = new ServiceTable(this, "Table");
    const mail = new Mail(this, "Mail", { senderEmail: settings.senderEmail });

    const bind = (name: FunctionName, fn: ServiceFunction): ServiceFunction => {
      const access = tableAccess[name];
      if (access !== "none") fn.bindTable(this.table, access);
      if (mailSenders.has(name)) fn.bindSender(mail);
      this.functions[name] = fn;
      return fn;
    };

    // Groups come from the route table, so a group gets its function as soon as a route names it.
    const groups = [...new Set(routeList.map((route) => route.group))];
    const handlers: Partial<Record<FunctionGroup, IFunction>> = {};
    for (const group of groups) {
      const fn = new ServiceFunction(this, `Http${capitalized(group)}`, {
        entry: join(projectRoot, "functions", "http", `${group}.ts`),
        description: `Twin Access HTTP routes of group '${group}'`,
        timeout: Duration.seconds(10),
        projectRoot,
      });
      handlers[group] = bind(group, fn).lambda;
    }
    const tick = bind(
      "tick",
      new ServiceFunction(this, "Tick", {
        entry: join(projectRoot, "functions", "trigger", "tick.ts"),
        description: "Twin Access scheduled tick (SPEC section 4): dispatches due runs, and works the batches and jobs",
        timeout: Duration.seconds(60),
        reservedConcurrentExecutions: settings.workerConcurrency,
        projectRoot,
      }),
    );

    this.api = new Api(this, "Api", {
      routes: routeList,
      handlers,
      jwtIssuer: settings.jwtIssuer,
      jwtAudience: settings.jwtAudience,
    });
    this.trigger = new Trigger(this, "Trigger", { tick: tick.lambda, schedule: settings.tickSchedule });

    // The tick function is also the worker of background jobs (shared/jobs-lambda.ts): the functions that
    // hand on work invoke it asynchronously, and a job that still fails after Lambda's retries lands in the
    // trigger's dead-letter queue, whose alarm operators already watch.
    tick.lambda.configureAsyncInvoke({
      retryAttempts: 2,
      maxEventAge: Duration.hours(1),
      onFailure: new destinations.SqsDestination(this.trigger.deadLetters),
    });
    // The tick dispatches due runs to itself: each batch (and a dispatch that goes on) is an asynchronous invoke of this
    // function under its runtime name, drained by Lambda's asynchronous queue at up to the reserved concurrency.
    tick.lambda.addEnvironment("WORKER_IS_SELF", "true");
    // A policy of its own: in the role's default policy the function's own ARN would make the function depend on itself.
    new iam.Policy(this, "TickInvokesItself", {
      roles: [tick.lambda.role!],
      statements: [
        new iam.PolicyStatement({ actions: ["lambda:InvokeFunction"], resources: [tick.lambda.functionArn] }),
      ],
    });
    for (const name of jobSenders) {
      const fn = this.functions[name];
      if (!fn) continue;
      fn.lambda.addEnvironment("WORKER_FUNCTION_NAME", tick.lambda.functionName);
      fn.lambda.addToRolePolicy(
        new iam.PolicyStatement({ actions: ["lambda:InvokeFunction"], resources: [tick.lambda.functionArn] }),
      );
    }
    this.alarms = new Alarms(this, "Alarms", {
      deadLetters: this.trigger.deadLetters,
      httpApi: this.api.httpApi,
      tick: tick.lambda,
      alarmEmail: settings.alarmEmail,
    });
    // Batches wait in Lambda's asynchronous queue while the workers are at their reserved concurrency; throttles that
    // last mean the due work outgrows the setting (docs/scale.md), so they get an alarm of their own.
    const workersAtCapacity = tick.lambda
      .metricThrottles({ period: Duration.minutes(5), statistic: "Sum" })
      .createAlarm(this, "WorkersAtCapacity", {
        alarmDescription:
          "The worker (tick) function was throttled in three five-minute periods running: due runs start late; raise workerConcurrency (docs/scale.md).",
        threshold: 1,
        evaluationPeriods: 3,
        comparisonOperator: cdkCloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cdkCloudwatch.TreatMissingData.NOT_BREACHING,
      });
    const notify = new SnsAction(this.alarms.topic);
    workersAtCapacity.addAlarmAction(notify);
    workersAtCapacity.addOkAction(notify);
    this.alarms.alarms.push(workersAtCapacity);
    this.dashboard = new Dashboard(this, "Dashboard", {
      httpApi: this.api.httpApi,
      deadLetters: this.trigger.deadLetters,
      alarms: this.alarms.alarms,
    });

    new CfnOutput(this, "ApiUrl", { value: this.api.url });
    new CfnOutput(this, "TableName", { value: this.table.tableName });
  }
}

/**
 * The whole app with the AwsSolutions checks registered, so `cdk synth` and the infra tests judge the same thing.
 * `context` adds to what the CDK CLI passes (cdk.json, `-c`); tests run without the CLI and pass cdk.json's context themselves.
 */
export function buildApp(context: Record<string, unknown> = {}): { app: App; stack: TwinAccessStack } {
  const app = new App({ context });
  const stack = new TwinAccessStack(app, "TwinAccess", {
    description: "Twin Access: access control, ownership and scheduled synchronization of a digital-twin platform",
    settings: readSettings(app),
  });
  Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  return { app, stack };
}
