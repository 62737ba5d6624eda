import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SETTINGS_FILE, type SettingsSource } from '../../core/function-environment';

/**
 * The settings file bundled with a function's code: `jit-settings.json` in the function's code folder,
 * which Lambda names in `LAMBDA_TASK_ROOT` (next to the bundle's `index.js`). Read once, when the entry
 * point starts (a cold start), never per invocation.
 *
 * @see https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime
 */
export function bundledSettingsFile(taskRoot: string | undefined = process.env.LAMBDA_TASK_ROOT ?? __dirname): SettingsSource {
  return () => {
    try {
      return readFileSync(join(taskRoot, SETTINGS_FILE), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  };
}
