import { Command } from 'commander';
import type { CliContext } from '../context';

/**
 * `jit mcp`: an MCP server on stdin/stdout for AI agents (Claude Code, Cursor, ...). stdout carries
 * only the protocol; diagnostics go to stderr. Runs until the host closes stdin.
 */
export function mcpCommand(context: (command: Command) => CliContext): Command {
  return new Command('mcp')
    .description('Serve the agent tools (list_access, request_elevation, elevation_status, end_elevation) over MCP on stdio')
    .action(async (_options, command: Command) => {
      const ctx = context(command);
      ctx.settings();
      // Loaded here, not at start-up: every other command (`jit creds` above all) starts without the MCP
      // SDK. `require`, because tsx compiles TypeScript for require but not for import().
      /* eslint-disable @typescript-eslint/no-require-imports */
      const { StdioServerTransport } = require('@modelcontextprotocol/sdk/server/stdio.js') as typeof import('@modelcontextprotocol/sdk/server/stdio.js');
      const { createJitMcpServer } = require('../mcp/jit-mcp-server') as typeof import('../mcp/jit-mcp-server');
      /* eslint-enable @typescript-eslint/no-require-imports */
      const server = createJitMcpServer(ctx);
      const transport = new StdioServerTransport();
      const closed = new Promise<void>((resolve) => (transport.onclose = resolve));
      await server.connect(transport);
      ctx.note('jit mcp: serving on stdio');
      await closed;
    });
}
