// The HTTP API: one route per entry of the route table, to its group's function, behind the JWT authorizer unless the route is public.
import { Validations } from "aws-cdk-lib";
import { AccessLogFormat } from "aws-cdk-lib/aws-apigateway";
import {
  HttpApi,
  HttpMethod,
  HttpNoneAuthorizer,
  HttpStage,
  LogGroupLogDestination,
} from "aws-cdk-lib/aws-apigatewayv2";
import { HttpJwtAuthorizer } from "aws-cdk-lib/aws-apigatewayv2-authorizers";
import { HttpLambdaIntegration } from "aws-cdk-lib/aws-apigatewayv2-integrations";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import * as logs from "aws-cdk-lib/aws-logs";
import { Construct } from "constructs";
import { routeKey, type FunctionGroup, type RouteDef } from "../../shared/http/route";

export interface ApiProps {
  routes: readonly RouteDef[];
  handlers: Partial<Record<FunctionGroup, IFunction>>;
  /** The identity provider's issuer URL (https); API Gateway fetches its JWKS from there. */
  jwtIssuer: string;
  jwtAudience: string;
}

/** One line of JSON per request; the user's `sub` lets an operator follow one caller without logging a token. */
const accessLogFormat = AccessLogFormat.custom(
  JSON.stringify({
    requestId: "$context.requestId",
    requestTime: "$context.requestTime",
    sourceIp: "$context.identity.sourceIp",
    userAgent: "$context.identity.userAgent",
    routeKey: "$context.routeKey",
    status: "$context.status",
    responseLength: "$context.responseLength",
    latencyMs: "$context.responseLatency",
    integrationLatencyMs: "$context.integrationLatency",
    integrationError: "$context.integrationErrorMessage",
    authorizerError: "$context.authorizer.error",
    sub: "$context.authorizer.claims.sub",
  }),
);

export class Api extends Construct {
  readonly httpApi: HttpApi;
  readonly stage: HttpStage;

  constructor(scope: Construct, id: string, props: ApiProps) {
    super(scope, id);
    // The default stage is declared below rather than created by HttpApi, which offers no access logging for it.
    this.httpApi = new HttpApi(this, "HttpApi", { description: "Twin Access", createDefaultStage: false });
    const accessLogs = new logs.LogGroup(this, "AccessLogs", { retention: logs.RetentionDays.ONE_MONTH });
    this.stage = new HttpStage(this, "DefaultStage", {
      httpApi: this.httpApi,
      stageName: "$default",
      autoDeploy: true,
      // A runaway client is refused at the gateway before it can spend the account's Lambda concurrency.
      throttle: { rateLimit: 100, burstLimit: 200 },
      accessLogSettings: { destination: new LogGroupLogDestination(accessLogs), format: accessLogFormat },
    });

    const jwt = new HttpJwtAuthorizer("JwtAuthorizer", props.jwtIssuer, { jwtAudience: [props.jwtAudience] });
    const integrations = new Map<FunctionGroup, HttpLambdaIntegration>();
    for (const route of props.routes) {
      const handler = props.handlers[route.group];
      if (!handler) throw new Error(`No function serves group '${route.group}' of route ${routeKey(route)}`);
      let integration = integrations.get(route.group);
      if (!integration) {
        // One invoke permission per function instead of one per route keeps its resource policy far below the 20 KB limit.
        integration = new HttpLambdaIntegration(`${route.group}-integration`, handler, {
          scopePermissionToRoute: false,
        });
        integrations.set(route.group, integration);
      }
      const [created] = this.httpApi.addRoutes({
        path: route.path,
        methods: [HttpMethod[route.method]],
        integration,
        authorizer: route.auth ? jwt : new HttpNoneAuthorizer(),
      });
      if (!route.auth) {
        Validations.of(created!).acknowledge({
          id: "AwsSolutions-APIG4",
          reason: `${routeKey(route)} is public by design (SPEC section 5: health check, OpenAPI document, API page): it reads no stored data.`,
        });
      }
    }
  }

  get url(): string {
    return this.stage.url;
  }
}
