// Infra tests: synthesize the CDK app in-process and check the template keeps SPEC section 6 and passes cdk-nag.
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { App, CfnElement } from "aws-cdk-lib";
import { Template } from "aws-cdk-lib/assertions";
import * as sqs from "aws-cdk-lib/aws-sqs";
import { RootConstruct, type IConstruct } from "constructs";
import { afterAll, describe, expect, it } from "vitest";
import { tableActions } from "../../infra/constructs/function";
import { buildApp, mailSenders, readSettings, tableAccess, type FunctionName } from "../../infra/stack";
import { routeKey } from "../../shared/http/route";
import { routeList } from "../../shared/http/routes";
import { keyDefinition, tableShape } from "../../shared/store/table";

const cdkContext = JSON.parse(readFileSync(new URL("../../cdk.json", import.meta.url), "utf8")).context as Record<
  string,
  string
>;
/** Bundling is checked once, at the end; every other test only needs the template, so esbuild is skipped. */
const withoutBundling = { ...cdkContext, "aws:cdk:bundling-stacks": [] };

/** Apps synthesized in-process write to temporary folders; each test's app is built here so they are removed after. */
const synthesized: App[] = [];
function build(context: Record<string, unknown>): ReturnType<typeof buildApp> {
  const built = buildApp(context);
  synthesized.push(built.app);
  return built;
}
afterAll(() => {
  for (const app of synthesized) rmSync(app.outdir, { recursive: true, force: true });
});

const { stack } = build(withoutBundling);
const template = Template.fromStack(stack);

type Resource = {
  Type: string;
  Properties: Record<string, any>;
  DeletionPolicy?: string;
  UpdateReplacePolicy?: string;
};
type Statement = { Effect: string; Action: string | string[]; Resource: unknown };

const resources = (type: string): [string, Resource][] =>
  Object.entries(template.findResources(type)) as [string, Resource][];
/** The one resource of a type: [logical id, resource]; fails when there are none or several. */
function single(type: string): [string, Resource] {
  const found = resources(type);
  expect(found, type).toHaveLength(1);
  return found[0]!;
}
const logicalId = (construct: IConstruct): string => stack.getLogicalId(construct.node.defaultChild as CfnElement);
const asList = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);
const statements = (policy: Resource): Statement[] => policy.Properties.PolicyDocument.Statement;
const actionsOf = (statement: Statement): string[] => asList(statement.Action);

const groups = [...new Set(routeList.map((route) => route.group))];
const functionNames: FunctionName[] = [...groups, "tick"];

/** The deployed function of a name, with the statements of its role. */
function deployed(name: FunctionName) {
  const fn = stack.functions[name];
  if (!fn) throw new Error(`the stack has no function '${name}'`);
  const policy = fn.role.node.tryFindChild("DefaultPolicy");
  return {
    properties: template.toJSON().Resources[logicalId(fn.lambda)].Properties as Record<string, any>,
    statements: policy ? statements(template.toJSON().Resources[logicalId(policy)]) : [],
  };
}

describe("settings", () => {
  /** Reads settings from a bare construct tree: an App would leave a temporary folder behind when they are refused. */
  const settingsFrom = (context: Record<string, unknown>) => {
    const root = new RootConstruct();
    for (const [key, value] of Object.entries(context)) root.node.setContext(key, value);
    return () => readSettings(root);
  };

  it("are read from cdk.json's context", () => {
    expect(settingsFrom(cdkContext)()).toEqual({
      jwtIssuer: cdkContext.jwtIssuer,
      jwtAudience: cdkContext.jwtAudience,
      senderEmail: cdkContext.senderEmail,
      tickSchedule: cdkContext.tickSchedule,
      workerConcurrency: cdkContext.workerConcurrency,
    });
  });

  it("refuse a JWT issuer that is not https, naming the context key", () => {
    expect(settingsFrom({ ...cdkContext, jwtIssuer: "http://issuer.example" })).toThrow(/jwtIssuer/);
  });

  it("refuse a missing sender address, naming the context key", () => {
    expect(settingsFrom({ ...cdkContext, senderEmail: undefined })).toThrow(/senderEmail/);
  });
});

describe("the table", () => {
  it("is on demand, point-in-time recoverable, encrypted, deletion protected and retained", () => {
    const [, table] = single("AWS::DynamoDB::Table");
    expect(table.Properties).toMatchObject({
      BillingMode: "PAY_PER_REQUEST",
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      DeletionProtectionEnabled: true,
      SSESpecification: { SSEEnabled: true },
    });
    expect(table.DeletionPolicy).toBe("Retain");
    expect(table.UpdateReplacePolicy).toBe("Retain");
  });

  it("has the keys and indexes of the shape the local stack creates", () => {
    template.hasResourceProperties("AWS::DynamoDB::Table", {
      ...keyDefinition(),
    });
  });

  it("lets DynamoDB delete expired items (receipts, invitations) by the shape's time-to-live attribute", () => {
    template.hasResourceProperties("AWS::DynamoDB::Table", {
      TimeToLiveSpecification: { AttributeName: tableShape.timeToLive, Enabled: true },
    });
  });
});

describe("the functions", () => {
  it("are one per route group plus the tick", () => {
    expect(resources("AWS::Lambda::Function")).toHaveLength(functionNames.length);
    for (const name of functionNames) expect(stack.functions[name], name).toBeDefined();
  });

  it("all run on nodejs24.x and arm64 with 512 MB and the Powertools settings, without source-map parsing at load", () => {
    for (const [id, fn] of resources("AWS::Lambda::Function")) {
      expect(fn.Properties, id).toMatchObject({
        Runtime: "nodejs24.x",
        Architectures: ["arm64"],
        MemorySize: 512,
        Environment: { Variables: { POWERTOOLS_SERVICE_NAME: "twin-access", POWERTOOLS_LOG_LEVEL: "INFO" } },
      });
      // --enable-source-maps parses the whole map in every cold start; the maps are shipped for reading traces offline.
      expect(fn.Properties.Environment.Variables.NODE_OPTIONS, id).toBeUndefined();
    }
  });

  it("lets the functions that hand on background jobs (sync, imodels, itwins, organizations) and the tick's dispatch invoke the worker, and nothing else", () => {
    const invokers = resources("AWS::IAM::Policy").filter(([, p]) =>
      JSON.stringify(p.Properties.PolicyDocument.Statement).includes("lambda:InvokeFunction"),
    );
    expect(invokers.length).toBe(5);
    for (const [, policy] of invokers) {
      const statement = policy.Properties.PolicyDocument.Statement.find(
        (s: { Action: unknown }) => s.Action === "lambda:InvokeFunction",
      );
      expect(statement.Resource).toEqual({ "Fn::GetAtt": [expect.stringMatching(/^TickFunction/), "Arn"] });
    }
    for (const name of ["sync", "imodels", "itwins", "organizations"] as const) {
      const fn = resources("AWS::Lambda::Function").find(
        ([id]) => id === stack.getLogicalId(stack.functions[name]!.lambda.node.defaultChild as never),
      );
      expect(fn?.[1].Properties.Environment.Variables.WORKER_FUNCTION_NAME, name).toEqual({
        Ref: expect.stringMatching(/^TickFunction/),
      });
    }
  });

  it("dispatches due batches to itself, at the worker concurrency from context reserved for it", () => {
    expect(deployed("tick").properties.ReservedConcurrentExecutions).toBe(cdkContext.workerConcurrency);
    expect(deployed("tick").properties.Environment.Variables.WORKER_IS_SELF).toBe("true");
    for (const group of groups) expect(deployed(group).properties.ReservedConcurrentExecutions, group).toBeUndefined();
    const alarms = resources("AWS::CloudWatch::Alarm").map(([, a]) => a.Properties);
    expect(alarms).toContainEqual(
      expect.objectContaining({
        Namespace: "AWS/Lambda",
        MetricName: "Throttles",
        Dimensions: [{ Name: "FunctionName", Value: { Ref: logicalId(stack.functions.tick!.lambda) } }],
      }),
    );
  });

  it("time out after 10 s for HTTP and 60 s for the tick", () => {
    for (const group of groups) expect(deployed(group).properties.Timeout, group).toBe(10);
    expect(deployed("tick").properties.Timeout).toBe(60);
  });

  it("trace every invocation with X-Ray (active tracing, recorded by Lambda: no tracer in the bundles)", () => {
    for (const name of functionNames) {
      const { properties, statements } = deployed(name);
      expect(properties.TracingConfig, name).toEqual({ Mode: "Active" });
      expect(statements.flatMap(actionsOf), name).toEqual(
        expect.arrayContaining(["xray:PutTraceSegments", "xray:PutTelemetryRecords"]),
      );
    }
  });

  it("use no AWS managed policy", () => {
    for (const [id, role] of resources("AWS::IAM::Role")) expect(role.Properties.ManagedPolicyArns, id).toBeUndefined();
  });
});

describe("least privilege", () => {
  it("no statement grants a wildcard action, dynamodb:Scan or a table action on '*'", () => {
    for (const [id, policy] of resources("AWS::IAM::Policy")) {
      for (const statement of statements(policy)) {
        for (const action of actionsOf(statement)) {
          expect(action, id).not.toContain("*");
          expect(action, id).not.toBe("dynamodb:Scan");
        }
        // The one '*' resource cdk-nag is told to accept (infra/constructs/function.ts): X-Ray's, which names no resources.
        if (asList(statement.Resource).includes("*"))
          expect(actionsOf(statement).sort(), id).toEqual(["xray:PutTelemetryRecords", "xray:PutTraceSegments"]);
        if (actionsOf(statement).some((a) => a.startsWith("dynamodb:"))) {
          expect(asList(statement.Resource), id).not.toContain("*");
          expect(JSON.stringify(statement.Resource), id).not.toContain("/index/*");
        }
      }
    }
  });

  it("each function gets the table access of its entry in the map, and TABLE_NAME only with it", () => {
    for (const name of functionNames) {
      const { properties, statements } = deployed(name);
      const granted = statements.flatMap(actionsOf).filter((a) => a.startsWith("dynamodb:"));
      const access = tableAccess[name];
      if (access === "none") {
        expect(granted, name).toEqual([]);
        expect(properties.Environment.Variables.TABLE_NAME, name).toBeUndefined();
      } else {
        expect(granted.sort(), name).toEqual([...tableActions[access]].sort());
        expect(properties.Environment.Variables.TABLE_NAME, name).toEqual({ Ref: logicalId(stack.table) });
      }
    }
  });

  it("table grants cover the table and each index by name", () => {
    const tableArn = { "Fn::GetAtt": [logicalId(stack.table), "Arn"] };
    const expected = [
      tableArn,
      ...tableShape.indexes.map((i) => ({ "Fn::Join": ["", [tableArn, `/index/${i.name}`]] })),
    ];
    for (const name of functionNames) {
      for (const statement of deployed(name).statements.filter((s) =>
        actionsOf(s).some((a) => a.startsWith("dynamodb:")),
      )) {
        expect(statement.Resource, name).toEqual(expected);
      }
    }
  });

  it("only the mail senders may send, from the sender address, whether SES verified the address or its domain", () => {
    const address = cdkContext.senderEmail!;
    const domain = address.slice(address.lastIndexOf("@") + 1);
    for (const name of functionNames) {
      const { properties, statements } = deployed(name);
      const ses = statements.filter((s) => actionsOf(s).some((a) => a.startsWith("ses:")));
      if (mailSenders.has(name)) {
        expect(ses, name).toHaveLength(1);
        expect(actionsOf(ses[0]!).sort(), name).toEqual(["ses:SendEmail", "ses:SendRawEmail"]);
        // SES authorizes against the identity that verified the sender: the address, or else its domain.
        const resources = asList(ses[0]!.Resource).map((r) => JSON.stringify(r));
        expect(resources, name).toHaveLength(2);
        expect(
          resources.filter((r) => r.includes(`:identity/${address}"`)),
          name,
        ).toHaveLength(1);
        expect(
          resources.filter((r) => r.includes(`:identity/${domain}"`)),
          name,
        ).toHaveLength(1);
        expect(resources.join(), name).not.toContain("*");
        // The domain's grant covers this one address, not every address of the domain.
        expect((ses[0] as Statement & { Condition?: unknown }).Condition, name).toEqual({
          StringEquals: { "ses:FromAddress": address },
        });
        expect(properties.Environment.Variables.SENDER_EMAIL, name).toBe(cdkContext.senderEmail);
      } else {
        expect(ses, name).toEqual([]);
        expect(properties.Environment.Variables.SENDER_EMAIL, name).toBeUndefined();
      }
    }
  });
});

describe("the HTTP API", () => {
  const routes = resources("AWS::ApiGatewayV2::Route");

  it("has exactly one route per entry of the route table", () => {
    expect(routes).toHaveLength(routeList.length);
    expect(routes.map(([, r]) => r.Properties.RouteKey).sort()).toEqual(routeList.map(routeKey).sort());
  });

  it("puts the JWT authorizer on every route except the public ones", () => {
    const [authorizerId] = single("AWS::ApiGatewayV2::Authorizer");
    const byKey = new Map(routes.map(([, r]) => [r.Properties.RouteKey as string, r.Properties]));
    for (const route of routeList) {
      const deployedRoute = byKey.get(routeKey(route))!;
      if (route.auth) {
        expect(deployedRoute.AuthorizationType, routeKey(route)).toBe("JWT");
        expect(deployedRoute.AuthorizerId, routeKey(route)).toEqual({ Ref: authorizerId });
      } else {
        expect(deployedRoute.AuthorizationType, routeKey(route)).toBe("NONE");
        expect(deployedRoute.AuthorizerId, routeKey(route)).toBeUndefined();
      }
    }
  });

  it("checks tokens against the issuer and audience from context", () => {
    const [, authorizer] = single("AWS::ApiGatewayV2::Authorizer");
    expect(authorizer.Properties).toMatchObject({
      AuthorizerType: "JWT",
      IdentitySource: ["$request.header.Authorization"],
      JwtConfiguration: { Issuer: cdkContext.jwtIssuer, Audience: [cdkContext.jwtAudience] },
    });
  });

  it("sends every route to its group's function with payload format 2.0", () => {
    const integrations = Object.fromEntries(resources("AWS::ApiGatewayV2::Integration"));
    const byKey = new Map(routes.map(([, r]) => [r.Properties.RouteKey as string, r.Properties]));
    for (const route of routeList) {
      const target = byKey.get(routeKey(route))!.Target as { "Fn::Join": [string, [string, { Ref: string }]] };
      const integration = integrations[target["Fn::Join"][1][1].Ref]!.Properties;
      expect(integration.PayloadFormatVersion, routeKey(route)).toBe("2.0");
      expect(integration.IntegrationUri, routeKey(route)).toEqual({
        "Fn::GetAtt": [logicalId(stack.functions[route.group]!.lambda), "Arn"],
      });
    }
  });

  it("logs access and throttles on its default stage", () => {
    const [, stage] = single("AWS::ApiGatewayV2::Stage");
    expect(stage.Properties.StageName).toBe("$default");
    expect(stage.Properties.AccessLogSettings.DestinationArn).toEqual({ "Fn::GetAtt": [expect.any(String), "Arn"] });
    expect(JSON.parse(stage.Properties.AccessLogSettings.Format)).toMatchObject({ requestId: "$context.requestId" });
    expect(stage.Properties.DefaultRouteSettings).toMatchObject({
      ThrottlingRateLimit: expect.any(Number),
      ThrottlingBurstLimit: expect.any(Number),
    });
  });
});

describe("the scheduled trigger", () => {
  it("runs the tick on the schedule from context, with retries and a dead-letter queue", () => {
    const [, rule] = single("AWS::Events::Rule");
    expect(rule.Properties.ScheduleExpression).toBe(cdkContext.tickSchedule);
    const [target] = rule.Properties.Targets;
    expect(target.Arn).toEqual({ "Fn::GetAtt": [logicalId(stack.functions.tick!.lambda), "Arn"] });
    expect(target.DeadLetterConfig.Arn).toEqual({ "Fn::GetAtt": [logicalId(stack.trigger.deadLetters), "Arn"] });
    expect(target.RetryPolicy.MaximumRetryAttempts).toBeGreaterThan(0);
  });

  it("keeps dead letters encrypted and reachable over TLS only", () => {
    template.hasResourceProperties("AWS::SQS::Queue", { SqsManagedSseEnabled: true });
    const [, queuePolicy] = single("AWS::SQS::QueuePolicy");
    expect(statements(queuePolicy)).toContainEqual(
      expect.objectContaining({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
    );
  });
});

describe("operations", () => {
  it("every log group keeps its logs for one month", () => {
    const logGroups = resources("AWS::Logs::LogGroup");
    // One per function and the API's access log.
    expect(logGroups).toHaveLength(functionNames.length + 1);
    for (const [id, group] of logGroups) expect(group.Properties.RetentionInDays, id).toBe(30);
    for (const name of functionNames)
      expect(deployed(name).properties.LoggingConfig.LogGroup, name).toEqual({ Ref: expect.any(String) });
  });

  it("alarms on undelivered ticks and on the API's 5xx answers", () => {
    const alarms = resources("AWS::CloudWatch::Alarm").map(([, a]) => a.Properties);
    expect(alarms).toContainEqual(
      expect.objectContaining({
        Namespace: "AWS/SQS",
        MetricName: "ApproximateNumberOfMessagesVisible",
        Dimensions: [
          { Name: "QueueName", Value: { "Fn::GetAtt": [logicalId(stack.trigger.deadLetters), "QueueName"] } },
        ],
      }),
    );
    expect(alarms).toContainEqual(
      expect.objectContaining({
        Namespace: "AWS/ApiGateway",
        MetricName: "5xx",
        Dimensions: [{ Name: "ApiId", Value: { Ref: logicalId(stack.api.httpApi) } }],
      }),
    );
  });
});

describe("operators", () => {
  const topicId = () => logicalId(stack.alarms.topic);

  it("every alarm tells the alarm topic when it fires and when it is back to OK", () => {
    const alarms = resources("AWS::CloudWatch::Alarm");
    expect(alarms.length).toBeGreaterThanOrEqual(3);
    for (const [id, alarm] of alarms) {
      expect(alarm.Properties.AlarmActions, id).toEqual([{ Ref: topicId() }]);
      expect(alarm.Properties.OKActions, id).toEqual([{ Ref: topicId() }]);
    }
  });

  it("the alarm topic is encrypted with a rotated key CloudWatch may use, and refuses requests without TLS", () => {
    const [, topic] = single("AWS::SNS::Topic");
    const keyId = topic.Properties.KmsMasterKeyId["Fn::GetAtt"][0];
    const key = template.toJSON().Resources[keyId];
    expect(key.Type).toBe("AWS::KMS::Key");
    expect(key.Properties.EnableKeyRotation).toBe(true);
    expect(JSON.stringify(key.Properties.KeyPolicy)).toContain("cloudwatch.amazonaws.com");
    const [, policy] = single("AWS::SNS::TopicPolicy");
    expect(statements(policy)).toContainEqual(
      expect.objectContaining({ Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } }),
    );
  });

  it("subscribes the address given with -c alarmEmail to the topic, and nobody without it", () => {
    expect(resources("AWS::SNS::Subscription")).toEqual([]);
    const { stack: withEmail } = build({ ...withoutBundling, alarmEmail: "ops@example.com" });
    const subscriptions = Object.values(
      Template.fromStack(withEmail).findResources("AWS::SNS::Subscription"),
    ) as Resource[];
    expect(subscriptions.map((s) => s.Properties)).toEqual([
      expect.objectContaining({
        Protocol: "email",
        Endpoint: "ops@example.com",
        TopicArn: { Ref: withEmail.getLogicalId(withEmail.alarms.topic.node.defaultChild as CfnElement) },
      }),
    ]);
    expect(() => build({ ...withoutBundling, alarmEmail: "not an address" })).toThrow(/alarmEmail/);
  });

  it("the dashboard shows the metrics the service emits, the API's, the mail's and the dead-letter queue's", () => {
    const [, dashboard] = single("AWS::CloudWatch::Dashboard");
    // The body is a JSON text joined around references; references become their logical id to read it.
    const parts = dashboard.Properties.DashboardBody["Fn::Join"][1] as unknown[];
    const text = parts
      .map((p) => (typeof p === "string" ? p : ((p as any).Ref ?? (p as any)["Fn::GetAtt"]?.[0] ?? "?")))
      .join("");
    const widgets = JSON.parse(text).widgets as { properties: { alarms?: string[]; metrics?: unknown[][] } }[];
    const lines = widgets.flatMap((w) => w.properties.metrics ?? []);
    const searched = lines.map((l) => (l[0] as { expression?: string }).expression).filter((e): e is string => !!e);
    const named = lines.filter((l) => typeof l[0] === "string").map((l) => `${l[0]}/${l[1]}`);
    // shared/metrics.ts: per request (one series per route, found by SEARCH), latency at p50 and p99, and per tick.
    for (const metric of ["Requests", "Refusals", "Faults"])
      expect(
        searched.some((e) => e.includes(`MetricName="${metric}"`)),
        metric,
      ).toBe(true);
    for (const stat of ["p50", "p99"])
      expect(
        searched.some((e) => e.includes(`MetricName="Latency"`) && e.includes(`'${stat}'`)),
        stat,
      ).toBe(true);
    for (const metric of ["scheduledRunsStarted", "runsInterrupted", "notificationsDelivered", "TickDuration"])
      expect(named).toContain(`TwinAccess/${metric}`);
    for (const metric of ["Send", "Delivery", "Bounce", "Reject"]) expect(named).toContain(`AWS/SES/${metric}`);
    for (const metric of ["Count", "Latency", "4xx", "5xx"]) expect(named).toContain(`AWS/ApiGateway/${metric}`);
    expect(named).toContain("AWS/SQS/ApproximateNumberOfMessagesVisible");
    const shownAlarms = widgets.flatMap((w) => w.properties.alarms ?? []);
    expect(shownAlarms.sort()).toEqual(
      resources("AWS::CloudWatch::Alarm")
        .map(([id]) => id)
        .sort(),
    );
  });
});

describe("cdk-nag AwsSolutions", () => {
  it("passes: synthesis with the checks registered does not throw", () => {
    const { app } = build(withoutBundling);
    expect(() => app.synth()).not.toThrow();
  });

  it("is wired: an unacknowledged finding stops synthesis", () => {
    const { app, stack: probed } = build(withoutBundling);
    new sqs.Queue(probed, "PlainQueue");
    expect(() => app.synth()).toThrow(/AwsSolutions-SQS4/);
  });
});

describe("bundling", () => {
  it("esbuild bundles every function, with its source map", () => {
    const { app, stack: bundled } = build(cdkContext);
    const assembly = app.synth();
    const functions = Object.values(
      assembly.getStackArtifact(bundled.artifactId).template.Resources as Record<string, any>,
    ).filter((r) => r.Type === "AWS::Lambda::Function");
    const assets = JSON.parse(
      readFileSync(join(assembly.directory, `${bundled.artifactId}.assets.json`), "utf8"),
    ).files;
    expect(functions).toHaveLength(functionNames.length);
    for (const fn of functions) {
      const hash = (fn.Properties.Code.S3Key as string).replace(/\.zip$/, "");
      const dir = join(assembly.directory, assets[hash].source.path);
      expect(existsSync(join(dir, "index.js")), dir).toBe(true);
      expect(existsSync(join(dir, "index.js.map")), dir).toBe(true);
    }
    // Seven esbuild bundles take 30-70 s on 2 busy cores; the other tests' 30 s would fail it for the machine's load.
  }, 180_000);
});
