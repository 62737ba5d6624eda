/** The policy evaluator lives in the functional core (the approval messages evaluate grants with it); the sandbox uses the same one. */
export * from '../../handlers/core/policy-evaluator';
