import { App } from 'aws-cdk-lib';
import { ConfigError, loadJitConfig } from './config/load-config';
import { EscalationLintError } from './escalation/errors';
import { synthesizeJitApp } from './jit-app';

try {
  const app = new App();
  synthesizeJitApp(app, loadJitConfig());
} catch (error) {
  if (error instanceof ConfigError || error instanceof EscalationLintError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}
