import { z } from 'zod';
import catalogJson from './escalation-paths.json';

/**
 * The catalog of privilege-escalation paths (`escalation-paths.json`, data only): each path is a list of
 * steps, each step one or more alternative calls. The escalation lint evaluates every call as an elevated
 * session would make it; a path is open when each step has a call that is allowed.
 */

const ACTION = /^[a-z0-9-]+:[A-Za-z0-9]+$/;

const callSchema = z
  .object({
    /** `service:Action` as IAM authorizes it. */
    action: z.string().regex(ACTION, 'must be service:Action'),
    /** The resource ARN (or `*`), with `{partition}`, `{account}`, `{region}`, `{brokerBoundary}` placeholders. */
    resource: z.string().min(1),
    /** For `iam:PassRole`: the service the role is passed to (`iam:PassedToService`). */
    passedToService: z.string().optional(),
    /** For IAM principal changes: the boundary the request sets or the principal has (`iam:PermissionsBoundary`). */
    permissionsBoundary: z.string().optional(),
  })
  .strict();

const pathSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9-]+$/, 'must be lower-case letters, digits or dashes'),
    title: z.string().min(1),
    steps: z.array(z.object({ anyOf: z.array(callSchema).min(1) }).strict()).min(1),
    /** Why the path is a way out of the time box. */
    why: z.string().min(1),
    /** How to close it in a role's policy file. */
    fix: z.string().min(1),
    /** A public catalog of IAM privilege escalation, or the AWS documentation of the action. */
    reference: z.url({ protocol: /^https$/ }),
  })
  .strict();

const catalogSchema = z.object({ $comment: z.string().optional(), paths: z.array(pathSchema).min(1) }).strict();

export type EscalationCall = z.infer<typeof callSchema>;
export type EscalationPath = z.infer<typeof pathSchema>;

function parseCatalog(raw: unknown): readonly EscalationPath[] {
  const paths = catalogSchema.parse(raw).paths;
  const ids = paths.map((p) => p.id);
  const duplicate = ids.find((id, i) => ids.indexOf(id) !== i);
  if (duplicate) throw new Error(`escalation-paths.json: duplicate path id ${duplicate}`);
  return paths;
}

/** Every path of the catalog, in file order. */
export const ESCALATION_PATHS: readonly EscalationPath[] = parseCatalog(catalogJson);

/** The ids of the catalog's paths, which `roles[].allowEscalation[].path` must name. */
export const ESCALATION_PATH_IDS: readonly string[] = ESCALATION_PATHS.map((p) => p.id);
