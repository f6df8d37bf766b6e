import { Injectable, OnModuleInit } from '@nestjs/common';
import { DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { ExternalContextCreator } from '@nestjs/core/helpers/external-context-creator';
import type { Tool } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { decideToolAccess, isGated, ToolAccessCaller, toolAccessMeta } from './authorization/tool-access';
import { MCP_TOOL_METADATA, McpToolOptions } from './mcp-tool.options';
import { MCP_CONTEXT_TYPE, ToolCall } from './tool-call';

export interface RegisteredTool {
  options: McpToolOptions;
  inputSchema: z.ZodObject;
  /** What `tools/list` shows. */
  definition: Tool;
  /** The tool method behind its guards and interceptors (Nest's ExternalContextCreator). */
  invoke(call: ToolCall): Promise<unknown>;
}

/**
 * Finds every `@McpTool` method among the application's providers at start, and
 * wraps each with Nest's execution machinery (guards, interceptors, filters), the
 * way @nestjs/microservices and @nestjs/graphql run their handlers. Built once:
 * JSON schemas and handler chains are never compiled per request or per session.
 */
@Injectable()
export class ToolRegistry implements OnModuleInit {
  private readonly tools = new Map<string, RegisteredTool>();
  private definitions: Tool[] = [];
  private anyGated = false;

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    private readonly reflector: Reflector,
    private readonly contextCreator: ExternalContextCreator,
  ) {}

  onModuleInit(): void {
    const seen = new Set<object>();
    for (const wrapper of this.discovery.getProviders()) {
      const instance: unknown = wrapper.instance;
      if (!instance || typeof instance !== 'object' || seen.has(instance)) continue;
      seen.add(instance);
      const prototype = Object.getPrototypeOf(instance) as Record<string, unknown> | null;
      if (!prototype) continue;
      for (const methodName of this.scanner.getAllMethodNames(prototype)) {
        const method = prototype[methodName];
        if (typeof method !== 'function') continue;
        const options = this.reflector.get<McpToolOptions | undefined>(MCP_TOOL_METADATA, method);
        if (!options) continue;
        if (!wrapper.isDependencyTreeStatic() || wrapper.isTransient) {
          throw new Error(`MCP tool ${options.name}: ${wrapper.name} must be a singleton provider (tools run outside any HTTP request).`);
        }
        this.register(instance, method as (...args: unknown[]) => unknown, methodName, options);
      }
    }
    this.definitions = [...this.tools.values()].map((tool) => tool.definition);
    this.anyGated = [...this.tools.values()].some((tool) => isGated(tool.options));
  }

  /** Every tool definition (the same array every time). */
  list(): Tool[] {
    return this.definitions;
  }

  /** Tool definitions for `tools/list`: only the tools this caller's Entra roles and groups allow. */
  listFor(caller: ToolAccessCaller): Tool[] {
    if (!this.anyGated) return this.definitions;
    return [...this.tools.values()].filter((tool) => decideToolAccess(tool.options, caller).allowed).map((tool) => tool.definition);
  }

  get(name: string): RegisteredTool | undefined {
    return this.tools.get(name);
  }

  private register(instance: object, method: (...args: unknown[]) => unknown, methodName: string, options: McpToolOptions): void {
    if (this.tools.has(options.name)) throw new Error(`Two MCP tools are named ${options.name}.`);
    const inputSchema = options.inputSchema ?? z.object({});
    const { $schema: _dialect, ...jsonSchema } = z.toJSONSchema(inputSchema, { io: 'input' }) as Record<string, unknown>;
    const invoke = this.contextCreator.create(
      instance,
      method,
      methodName,
      undefined,
      undefined,
      undefined,
      undefined,
      { guards: true, interceptors: true, filters: true },
      MCP_CONTEXT_TYPE,
    ) as (call: ToolCall) => Promise<unknown>;
    this.tools.set(options.name, {
      options,
      inputSchema,
      invoke,
      definition: {
        name: options.name,
        ...(options.title ? { title: options.title } : {}),
        description: options.description,
        inputSchema: jsonSchema as Tool['inputSchema'],
        ...(options.annotations ? { annotations: options.annotations } : {}),
        ...(isGated(options) ? { _meta: toolAccessMeta(options) } : {}),
      },
    });
  }
}
