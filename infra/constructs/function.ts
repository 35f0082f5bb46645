// One Lambda function as the service deploys it; bindTable and bindSender set what the handler reads and grant only what it needs.
import { join } from "node:path";
import { type Duration, Validations } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import * as lambda from "aws-cdk-lib/aws-lambda";
import { NodejsFunction } from "aws-cdk-lib/aws-lambda-nodejs";
import * as logs from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import type { Mail } from "./mail";
import type { ServiceTable } from "./tables";

export type TableAccess = "read" | "readWrite";

const readActions = ["dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:Query", "dynamodb:ConditionCheckItem"];

/**
 * The IAM actions of each access level. TransactGetItems and TransactWriteItems are no IAM actions: a transaction is
 * authorized item by item with these. Scan is never granted: no code path may cost the size of the table (SPEC section 4).
 */
export const tableActions: Record<TableAccess, readonly string[]> = {
  read: readActions,
  readWrite: [
    ...readActions,
    "dynamodb:PutItem",
    "dynamodb:UpdateItem",
    "dynamodb:DeleteItem",
    "dynamodb:BatchWriteItem",
  ],
};

/**
 * The environment every function starts with. No `NODE_OPTIONS=--enable-source-maps`: with it Node reads and parses the
 * bundle's whole source map when it loads the bundle, about 10 ms of each cold start (bench/coldstart.ts); the maps are
 * still emitted, for reading a stack trace offline (docs/decisions.md).
 */
export const functionEnvironment: Readonly<Record<string, string>> = {
  POWERTOOLS_SERVICE_NAME: "twin-access",
  POWERTOOLS_LOG_LEVEL: "INFO",
};

/** How NodejsFunction bundles every function; bench/coldstart.ts bundles with the same options. */
export const functionBundling = {
  minify: true,
  // index.js.map beside the bundle: unused at run time, it maps a logged stack trace back to the sources.
  sourceMap: true,
  // The mappings are enough for stack traces; embedding the sources would only grow the map.
  sourcesContent: false,
  // The runtime provides the AWS SDK v3.
  externalModules: ["@aws-sdk/*"],
} as const;

export interface ServiceFunctionProps {
  /** Absolute path of the TypeScript module exporting `handler`. */
  entry: string;
  description: string;
  timeout: Duration;
  /** The repository root: where esbuild resolves modules and finds package-lock.json. */
  projectRoot: string;
  /** Concurrency set aside for this function alone (and its ceiling); unset, it shares the account's. */
  reservedConcurrentExecutions?: number;
}

export class ServiceFunction extends Construct {
  readonly lambda: NodejsFunction;
  readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: ServiceFunctionProps) {
    super(scope, id);
    // Our own role rather than AWSLambdaBasicExecutionRole, whose managed policy may write to every log group of the account.
    this.role = new iam.Role(this, "Role", {
      assumedBy: new iam.ServicePrincipal("lambda.amazonaws.com"),
      description: props.description,
    });
    const logGroup = new logs.LogGroup(this, "Logs", { retention: logs.RetentionDays.ONE_MONTH });
    logGroup.grantWrite(this.role);

    this.lambda = new NodejsFunction(this, "Function", {
      entry: props.entry,
      handler: "handler",
      description: props.description,
      projectRoot: props.projectRoot,
      depsLockFilePath: join(props.projectRoot, "package-lock.json"),
      runtime: lambda.Runtime.NODEJS_24_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 512,
      timeout: props.timeout,
      ...(props.reservedConcurrentExecutions
        ? { reservedConcurrentExecutions: props.reservedConcurrentExecutions }
        : {}),
      role: this.role,
      logGroup,
      // X-Ray traces of each invocation (initialisation, invocation, the Lambda service's overhead), recorded by the
      // service: no tracer in the bundle, so the cold start measured by bench:coldstart is unchanged (docs/decisions.md).
      tracing: lambda.Tracing.ACTIVE,
      environment: { ...functionEnvironment },
      bundling: { ...functionBundling, externalModules: [...functionBundling.externalModules] },
    });
    // Active tracing adds xray:PutTraceSegments and xray:PutTelemetryRecords on "*" to the role's default policy.
    Validations.of(this.role).acknowledge({
      id: "AwsSolutions::AwsSolutions-IAM5[Resource::*]",
      reason:
        "X-Ray's PutTraceSegments and PutTelemetryRecords support no resource-level permissions (AWS's Service Authorization " +
        "Reference for AWS X-Ray), so active tracing needs Resource '*'; every other statement of this role names its resources.",
    });
  }

  /** Gives the handler the table: TABLE_NAME and the actions of `access` on the table and each of its indexes. */
  bindTable(table: ServiceTable, access: TableAccess): void {
    this.lambda.addEnvironment("TABLE_NAME", table.tableName);
    this.role.addToPrincipalPolicy(
      new iam.PolicyStatement({ actions: [...tableActions[access]], resources: [table.tableArn, ...table.indexArns] }),
    );
  }

  /** Lets the handler send notifications: SENDER_EMAIL and ses:SendEmail/SendRawEmail on that identity only. */
  bindSender(mail: Mail): void {
    this.lambda.addEnvironment("SENDER_EMAIL", mail.senderEmail);
    mail.grantSend(this.role);
  }
}
