// The SES identity notifications are sent from: looked up by name, because verifying it is a one-time account step outside the stack.
import * as ses from "aws-cdk-lib/aws-ses";
import { Construct } from "constructs";

export class Mail extends Construct {
  readonly senderEmail: string;
  readonly identity: ses.IEmailIdentity;

  constructor(scope: Construct, id: string, props: { senderEmail: string }) {
    super(scope, id);
    this.senderEmail = props.senderEmail;
    // arn:aws:ses:<region>:<account>:identity/<senderEmail>: a grant on it lets a function send from this address and no other.
    this.identity = ses.EmailIdentity.fromEmailIdentityName(this, "SenderIdentity", props.senderEmail);
  }
}
