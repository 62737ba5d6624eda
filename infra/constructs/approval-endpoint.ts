import { Aws, RemovalPolicy } from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpIamAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import type * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import type * as events from 'aws-cdk-lib/aws-events';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import { APPROVER_ROUTES } from '../../handlers/http/approver-routes';
import { ApprovalWebFunction } from './approval-web-function';

export interface ApprovalEndpointProps {
  /** The request table: the function reads requests and claims decisions in it. */
  readonly table: dynamodb.ITable;
  /** The broker settings as JSON (bundled as `jit-settings.json`). */
  readonly settingsJson: string;
  /** Address the confirmation emails are sent from (a verified SES identity). */
  readonly sender: string;
  /** Name of the HTTP API. */
  readonly apiName: string;
  /** The broker's bus: the approver routes publish refusals there. */
  readonly bus: events.IEventBus;
  /** Name of the revoke function the approver routes hand `jit revoke` to. */
  readonly revokeFunctionName: string;
  /**
   * Steady-state requests per second the API lets through to the function, over all routes.
   * @default 10
   */
  readonly rateLimit?: number;
  /**
   * Burst of requests the API lets through before throttling (HTTP 429).
   * @default 20
   */
  readonly burstLimit?: number;
}


/**
 * Where review links point: an API Gateway HTTP API with the route `ANY /review/{requestId}` in front
 * of the approval function (GET shows the request; POST decides), and the IAM-authorized approver
 * routes under `/approvals` that the `jit` CLI signs with the approver's own credentials.
 *
 * Why an HTTP API and not a Lambda function URL: the stage throttles (a flood of scanner prefetches or
 * link guessing gets HTTP 429 from API Gateway instead of eating the account's Lambda concurrency, which
 * the workflow's functions share); only the review route reaches the function (anything else is
 * API Gateway's own 404); access logs record who called without the query string; and a custom domain
 * can be mapped. Neither an HTTP API nor a function URL can carry AWS WAF directly; put CloudFront with
 * WAF in front and set `approval.publicUrl` when that is wanted. At approval volumes the cost is nil.
 */
export class ApprovalEndpoint extends Construct {
  readonly api: apigwv2.HttpApi;
  readonly handler: ApprovalWebFunction;
  /** Base URL of the review links, e.g. `https://abc123.execute-api.eu-west-1.amazonaws.com`. */
  readonly url: string;
  /** What `jit-approver` may invoke: each approver route, exactly (execute-api ARNs). */
  readonly approverRouteArns: string[];

  constructor(scope: Construct, id: string, props: ApprovalEndpointProps) {
    super(scope, id);
    const rateLimit = props.rateLimit ?? 10;
    const burstLimit = props.burstLimit ?? 20;
    if (!Number.isInteger(rateLimit) || rateLimit < 1) throw new Error(`ApprovalEndpoint rateLimit must be a positive whole number. Received: ${rateLimit}`);
    if (!Number.isInteger(burstLimit) || burstLimit < 1) throw new Error(`ApprovalEndpoint burstLimit must be a positive whole number. Received: ${burstLimit}`);

    this.handler = new ApprovalWebFunction(this, 'Handler', {
      settingsJson: props.settingsJson,
      table: props.table,
      sender: props.sender,
      bus: props.bus,
      revokeFunctionName: props.revokeFunctionName,
    });

    this.api = new apigwv2.HttpApi(this, 'Api', {
      apiName: props.apiName,
      description: 'Review links of the just-in-time access broker',
      createDefaultStage: false,
    });
    const accessLog = new logs.LogGroup(this, 'AccessLog', {
      retention: logs.RetentionDays.ONE_YEAR,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    new apigwv2.HttpStage(this, 'Stage', {
      httpApi: this.api,
      stageName: '$default',
      autoDeploy: true,
      throttle: { rateLimit, burstLimit },
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(accessLog),
        // No path or query string: the query string carries the link's capability.
        format: AccessLogFormat.custom(
          JSON.stringify({
            requestId: '$context.requestId',
            time: '$context.requestTime',
            ip: '$context.identity.sourceIp',
            userAgent: '$context.identity.userAgent',
            method: '$context.httpMethod',
            route: '$context.routeKey',
            status: '$context.status',
            latencyMs: '$context.responseLatency',
            integrationError: '$context.integrationErrorMessage',
          }),
        ),
      },
    });
    this.api.addRoutes({
      path: '/review/{requestId}',
      // ANY: the function answers other methods with 405 and a page, instead of a bare API error.
      methods: [apigwv2.HttpMethod.ANY],
      integration: new HttpLambdaIntegration('Review', this.handler.function),
    });
    this.url = this.api.apiEndpoint;

    // The approver routes of the jit CLI: IAM authorization, so API Gateway verifies the caller's SigV4
    // signature (service execute-api) and that IAM allows execute-api:Invoke on the route, and passes
    // the caller's ARN to the function in requestContext.authorizer.iam.
    // @see https://docs.aws.amazon.com/apigateway/latest/developerguide/http-api-access-control-iam.html
    const approverIntegration = new HttpLambdaIntegration('Approver', this.handler.function);
    const authorizer = new HttpIamAuthorizer();
    for (const route of APPROVER_ROUTES) {
      this.api.addRoutes({ path: route.path, methods: [route.method === 'GET' ? apigwv2.HttpMethod.GET : apigwv2.HttpMethod.POST], integration: approverIntegration, authorizer });
    }
    this.approverRouteArns = APPROVER_ROUTES.map((route) => this.routeArn(route.method, route.path));
  }

  /**
   * The execute-api ARN of one route: `arn:<partition>:execute-api:<region>:<account>:<api-id>/<stage>/<METHOD>/<path>`,
   * a path parameter as `*`. The stage is `*`: the API has the one `$default` stage. (The CDK's own
   * route ARN cuts the path at its first parameter, which would make `approve` and `deny` one resource.)
   * @see https://docs.aws.amazon.com/apigateway/latest/developerguide/api-gateway-iam-policy-examples-for-api-execution.html
   */
  private routeArn(method: string, path: string): string {
    return `arn:${Aws.PARTITION}:execute-api:${Aws.REGION}:${Aws.ACCOUNT_ID}:${this.api.apiId}/*/${method}${path.replace(/\{[^}]+\}/g, '*')}`;
  }
}
