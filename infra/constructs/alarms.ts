// Alarms an operator needs: ticks EventBridge could not deliver, failed ticks, and 5xx answers of the API.
import { Duration } from "aws-cdk-lib";
import type { HttpApi } from "aws-cdk-lib/aws-apigatewayv2";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import type { IQueue } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";

export interface AlarmsProps {
  deadLetters: IQueue;
  httpApi: HttpApi;
  tick: IFunction;
}

export class Alarms extends Construct {
  constructor(scope: Construct, id: string, props: AlarmsProps) {
    super(scope, id);
    const period = Duration.minutes(5);
    // Each of these should never happen, so one occurrence in five minutes is worth a look; no data means nothing happened.
    const onFirst = (alarmId: string, metric: cloudwatch.Metric, alarmDescription: string) =>
      metric.createAlarm(this, alarmId, {
        alarmDescription,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });

    onFirst(
      "TickUndelivered",
      props.deadLetters.metricApproximateNumberOfMessagesVisible({ period, statistic: "Maximum" }),
      "EventBridge could not deliver a tick to its function; the events wait in the dead-letter queue.",
    );
    onFirst(
      "TickFailed",
      props.tick.metricErrors({ period, statistic: "Sum" }),
      "The tick function failed: due runs, expiry notices or mail redelivery may be late.",
    );
    onFirst(
      "ApiServerErrors",
      props.httpApi.metricServerError({ period, statistic: "Sum" }),
      "The API answered 5xx: a defect (no request, however malformed, should get one: SPEC section 5) or a dependency is down.",
    );
  }
}
