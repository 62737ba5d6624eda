import { z } from 'zod';
import { NEVER_EVEN_ELEVATED } from './deny-list';

/** The tripwire rules as the broker's functions receive them (the bundled `jit-settings.json`); the rules themselves are in `tripwire.ts`. */

/**
 * The blog's hard ceiling (`deny-always.json`, statement `NeverEvenElevated` of the ceiling): the default
 * deny list of the tripwire. An attempt at one of these is refused by the ceiling anyway; the tripwire
 * ends the grant that tried. One list (deny-list.ts), so the tripwire and the ceiling cannot drift apart.
 */
export const DEFAULT_TRIPWIRE_DENY_LIST = NEVER_EVEN_ELEVATED;

/** The rules, as the operator configures them (`tripwires` in the config, docs/configuration.md#tripwires). */
export const tripwireSettingsSchema = z.object({
  /** IAM action patterns (`*`, `?`); an attempt at one trips, whether or not it succeeded. */
  denyListedActions: z.array(z.string()),
  /** N refusals for lack of permission within M seconds trip; null: off. */
  accessDenied: z.object({ count: z.number().int().min(1), withinSeconds: z.number().int().min(1) }).nullable(),
  /** A call outside the request's `plannedActions` (IAM actions only) trips; requests without such a plan are not judged. */
  unplannedCalls: z.boolean(),
});

export type TripwireSettings = z.infer<typeof tripwireSettingsSchema>;
