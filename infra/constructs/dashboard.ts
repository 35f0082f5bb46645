// The operators' CloudWatch dashboard: the metrics the service already emits (shared/metrics.ts), the API's, the mail's and the dead-letter queue's.
import { Duration } from "aws-cdk-lib";
import type { HttpApi } from "aws-cdk-lib/aws-apigatewayv2";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import type { IQueue } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";

/** The namespace and dimensions Powertools Metrics writes (shared/metrics.ts): the service, and the route's operation id or "tick". */
export const serviceNamespace = "TwinAccess";
const service = "twin-access";

export interface DashboardProps {
  httpApi: HttpApi;
  deadLetters: IQueue;
  alarms: cloudwatch.IAlarm[];
}

export class Dashboard extends Construct {
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: DashboardProps) {
    super(scope, id);
    const period = Duration.minutes(5);
    // Each route has its own series (dimension operation); SEARCH draws one line per route without listing them here.
    const perRoute = (metricName: string, statistic: string, prefix = "") =>
      new cloudwatch.MathExpression({
        expression: `SEARCH('{${serviceNamespace},operation,service} service="${service}" MetricName="${metricName}" NOT operation="tick"', '${statistic}', ${period.toSeconds()})`,
        // A dynamic label: each line named after its route.
        label: `${prefix}\${PROP('Dim.operation')}`,
        period,
      });
    const tick = (metricName: string, label: string, statistic = "Sum") =>
      new cloudwatch.Metric({
        namespace: serviceNamespace,
        metricName,
        dimensionsMap: { service, operation: "tick" },
        statistic,
        period,
        label,
      });
    const ses = (metricName: string) =>
      new cloudwatch.Metric({ namespace: "AWS/SES", metricName, statistic: "Sum", period, label: `SES ${metricName}` });

    this.dashboard = new cloudwatch.Dashboard(this, "Dashboard", { defaultInterval: Duration.hours(6) });
    this.dashboard.addWidgets(
      new cloudwatch.AlarmStatusWidget({ title: "Alarms", alarms: props.alarms, width: 24, height: 3 }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: "Requests per route",
        left: [perRoute("Requests", "Sum")],
        right: [props.httpApi.metricCount({ period, statistic: "Sum", label: "API Gateway requests" })],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: "Latency (ms): p50 and p99 per route",
        left: [perRoute("Latency", "p50", "p50 "), perRoute("Latency", "p99", "p99 ")],
        right: [props.httpApi.metricLatency({ period, statistic: "p99", label: "API Gateway p99" })],
        width: 12,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: "Refusals (4xx) per route",
        left: [perRoute("Refusals", "Sum")],
        right: [
          props.httpApi.metricClientError({
            period,
            statistic: "Sum",
            label: "API Gateway 4xx (its own 401, 404, 413, 429 included)",
          }),
        ],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: "Faults (5xx) per route",
        left: [perRoute("Faults", "Sum")],
        right: [props.httpApi.metricServerError({ period, statistic: "Sum", label: "API Gateway 5xx" })],
        width: 12,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: "Scheduled runs and the tick",
        left: [tick("scheduledRunsStarted", "due runs started"), tick("runsInterrupted", "runs interrupted")],
        right: [tick("TickDuration", "tick duration (ms, max)", "Maximum")],
        width: 12,
      }),
      new cloudwatch.GraphWidget({
        title: "Mail",
        left: [tick("notificationsDelivered", "redelivered by the tick"), ses("Send"), ses("Delivery")],
        right: [ses("Bounce"), ses("Reject")],
        width: 12,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: "Dead-letter queue: undelivered ticks and failed background jobs",
        left: [
          props.deadLetters.metricApproximateNumberOfMessagesVisible({
            period,
            statistic: "Maximum",
            label: "messages waiting",
          }),
          props.deadLetters.metricNumberOfMessagesSent({ period, statistic: "Sum", label: "messages arrived" }),
        ],
        width: 24,
      }),
    );
  }
}
