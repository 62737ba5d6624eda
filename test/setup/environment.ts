// Quiet by default: the broker's Powertools logger (also loaded through the CLI) and the AWS SDK's
// notice about Node.js 20 would otherwise fill the test output. A test that checks logs sets its own.
process.env.POWERTOOLS_LOG_LEVEL ??= 'SILENT';
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
