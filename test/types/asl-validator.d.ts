/** asl-validator ships without type declarations; this is the part the tests use. */
declare module 'asl-validator' {
  interface ValidationResult {
    readonly isValid: boolean;
    readonly errors: ReadonlyArray<{ readonly 'Error code': string; readonly Message: string }>;
    errorsText(separator?: string): string;
  }
  function validator(definition: unknown, options?: Record<string, unknown>): ValidationResult;
  export = validator;
}
