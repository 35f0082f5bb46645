// The scheduled trigger: an EventBridge rule invokes the tick function; events it cannot deliver wait in an encrypted dead-letter queue.
import { Duration, Validations } from "aws-cdk-lib";
import * as events from "aws-cdk-lib/aws-events";
import * as targets from "aws-cdk-lib/aws-events-targets";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import * as sqs from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";

export interface TriggerProps {
  tick: IFunction;
  /** An EventBridge schedule expression, `rate(...)` or `cron(...)`. */
  schedule: string;
}

export class Trigger extends Construct {
  readonly rule: events.Rule;
  readonly deadLetters: sqs.Queue;

  constructor(scope: Construct, id: string, props: TriggerProps) {
    super(scope, id);
    this.deadLetters = new sqs.Queue(this, "DeadLetters", {
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deadLetters).acknowledge({
      id: "AwsSolutions-SQS3",
      reason:
        "This queue is itself a dead-letter queue, of the tick rule's target; " +
        "cdk-nag only recognizes dead-letter queues named by another queue or by a Lambda function.",
    });

    this.rule = new events.Rule(this, "Schedule", {
      description:
        "Twin Access tick: starts due runs, expires tokens, sends and redelivers notifications (SPEC section 4)",
      schedule: events.Schedule.expression(props.schedule),
    });
    this.rule.addTarget(
      new targets.LambdaFunction(props.tick, {
        deadLetterQueue: this.deadLetters,
        retryAttempts: 2,
        // A later tick does the same work, so an old event is only worth keeping as evidence in the dead-letter queue.
        maxEventAge: Duration.hours(1),
      }),
    );
  }
}
