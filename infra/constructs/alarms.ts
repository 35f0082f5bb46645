// Alarms an operator needs (ticks EventBridge could not deliver, failed ticks, 5xx answers of the API), each telling an SNS topic an operator subscribes to.
import { Duration } from "aws-cdk-lib";
import type { HttpApi } from "aws-cdk-lib/aws-apigatewayv2";
import * as cloudwatch from "aws-cdk-lib/aws-cloudwatch";
import * as actions from "aws-cdk-lib/aws-cloudwatch-actions";
import * as iam from "aws-cdk-lib/aws-iam";
import * as kms from "aws-cdk-lib/aws-kms";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import * as sns from "aws-cdk-lib/aws-sns";
import * as subscriptions from "aws-cdk-lib/aws-sns-subscriptions";
import type { IQueue } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";

export interface AlarmsProps {
  deadLetters: IQueue;
  httpApi: HttpApi;
  tick: IFunction;
  /** Subscribed to the topic by e-mail when given (`-c alarmEmail=`); SNS asks the address to confirm once. */
  alarmEmail?: string;
}

export class Alarms extends Construct {
  /** Where every alarm goes, when it fires and when it is back to OK. */
  readonly topic: sns.Topic;
  readonly alarms: cloudwatch.Alarm[] = [];

  constructor(scope: Construct, id: string, props: AlarmsProps) {
    super(scope, id);
    // Encrypted with a key of the stack: CloudWatch cannot publish to a topic under the AWS-managed SNS key, whose
    // policy cannot be changed to let it in.
    const key = new kms.Key(this, "TopicKey", { description: "Twin Access alarm topic", enableKeyRotation: true });
    key.grant(new iam.ServicePrincipal("cloudwatch.amazonaws.com"), "kms:Decrypt", "kms:GenerateDataKey*");
    this.topic = new sns.Topic(this, "Topic", { displayName: "Twin Access alarms", masterKey: key, enforceSSL: true });
    if (props.alarmEmail) this.topic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
    const notify = new actions.SnsAction(this.topic);

    const period = Duration.minutes(5);
    // Each of these should never happen, so one occurrence in five minutes is worth a look; no data means nothing happened.
    const onFirst = (alarmId: string, metric: cloudwatch.Metric, alarmDescription: string) => {
      const alarm = metric.createAlarm(this, alarmId, {
        alarmDescription,
        threshold: 1,
        evaluationPeriods: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      alarm.addAlarmAction(notify);
      alarm.addOkAction(notify);
      this.alarms.push(alarm);
    };

    onFirst(
      "TickUndelivered",
      props.deadLetters.metricApproximateNumberOfMessagesVisible({ period, statistic: "Maximum" }),
      "EventBridge could not deliver a tick to its function, or a background job failed after Lambda's retries; the events wait in the dead-letter queue.",
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
