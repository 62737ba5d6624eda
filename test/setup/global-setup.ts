import buildCli from './build-cli';
import { createTempRoot } from './temp-root';

export default function globalSetup(): void {
  createTempRoot();
  buildCli();
}
