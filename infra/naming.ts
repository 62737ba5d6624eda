/**
 * The installation's fixed names live in `handlers/core/resource-names.ts`, the one module the stacks and
 * the handlers share; this file only re-exports them for the importers that still name it.
 */
export {
  BOUNDED_PRINCIPAL_PATH,
  BROKER_NAMES,
  CEILING_TAGS,
  DEFAULT_AGENT_NAME,
  STACK_NAMES,
  TARGET_NAMES,
  auditBucketName,
  managedPolicyArn,
  targetStackName,
} from '../handlers/core/resource-names';
