import { Aws } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';

/**
 * `ses:SendEmail` as the broker's sender only, to anyone: approval and confirmation emails.
 * SESv2 SendEmail is authorized on the identity it sends from.
 */
export function sendAsSenderStatement(sid: string, sender: string): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid,
    actions: ['ses:SendEmail'],
    resources: [
      `arn:${Aws.PARTITION}:ses:${Aws.REGION}:${Aws.ACCOUNT_ID}:identity/${sender}`,
      `arn:${Aws.PARTITION}:ses:${Aws.REGION}:${Aws.ACCOUNT_ID}:identity/${sender.split('@')[1]}`,
    ],
    conditions: { StringEquals: { 'ses:FromAddress': sender } },
  });
}
