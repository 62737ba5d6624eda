/** Lives in the functional core with the policy evaluator that reads it. */
export * from '../../handlers/core/cross-service-resources';
