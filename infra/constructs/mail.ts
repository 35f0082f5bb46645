// The SES identities notifications are sent from: named, not created, because verifying an address or a domain is a one-time account step outside the stack.
import { Stack } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import { Construct } from "constructs";

/** What a mail sender may call: SES v1 SendEmail (the client the service uses) and its raw form. */
const sendActions = ["ses:SendEmail", "ses:SendRawEmail"];

export class Mail extends Construct {
  readonly senderEmail: string;
  /** arn:aws:ses:<region>:<account>:identity/<address> and …/identity/<domain>. */
  readonly identityArns: string[];

  constructor(scope: Construct, id: string, props: { senderEmail: string }) {
    super(scope, id);
    this.senderEmail = props.senderEmail;
    const domain = props.senderEmail.slice(props.senderEmail.lastIndexOf("@") + 1);
    // SES authorizes a send against the identity that verified the sender: the address when it is verified itself,
    // else its domain (the README offers both). Granting only the address would make every send AccessDenied on AWS
    // when only the domain is verified.
    this.identityArns = [props.senderEmail, domain].map((name) =>
      Stack.of(this).formatArn({ service: "ses", resource: "identity", resourceName: name }),
    );
  }

  /**
   * Lets `grantee` send from the sender address and no other: either identity may authorize the send, and the
   * `ses:FromAddress` condition keeps the domain's grant to this one address.
   */
  grantSend(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: sendActions,
      resourceArns: this.identityArns,
      conditions: { StringEquals: { "ses:FromAddress": this.senderEmail } },
    });
  }
}
