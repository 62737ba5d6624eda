import { App } from 'aws-cdk-lib';
import { ConfigError, loadJitConfig } from './config/load-config';
import { addJitStacks } from './jit-app';

try {
  const app = new App();
  addJitStacks(app, loadJitConfig());
  app.synth();
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}
