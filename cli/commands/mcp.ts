import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { Command } from 'commander';
import type { CliContext } from '../context';
import { createJitMcpServer } from '../mcp/jit-mcp-server';

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
      const server = createJitMcpServer(ctx);
      const transport = new StdioServerTransport();
      const closed = new Promise<void>((resolve) => (transport.onclose = resolve));
      await server.connect(transport);
      ctx.note('jit mcp: serving on stdio');
      await closed;
    });
}
