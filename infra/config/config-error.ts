/** A config that cannot be used. The message names the file, each field and what is wrong with it. */
export class ConfigError extends Error {
  constructor(
    readonly file: string,
    readonly problems: readonly string[],
  ) {
    super(`Invalid JIT config ${file}:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** No config file in any of the places jit looks; the message lists them in order. */
export class ConfigNotFoundError extends ConfigError {
  constructor(readonly searched: readonly string[]) {
    super(searched.at(-1) ?? '', ['file not found']);
    this.message = `No jit config found. Looked for, in order:\n${searched.map((p) => `  - ${p}`).join('\n')}`;
    this.name = 'ConfigNotFoundError';
  }
}
