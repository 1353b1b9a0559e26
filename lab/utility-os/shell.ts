/**
 * The lab's stand-in for `bash -c`: splits a command line into words and dispatches the first to
 * an emulated tool. Only plain words are understood (the agent never sends quotes, pipes or
 * redirections); an unknown command fails like bash, with exit 127.
 */
import type { CommandHandler, LabMachine } from './machine.js';
import { fail } from './machine.js';
import type { LabCommandResult } from './types.js';

const SHELL_SYNTAX = /[;&|$`<>(){}'"\\\n]/;

/** Returns a function running one command line against `machine` with the given tools. */
export function createDispatcher(tools: Record<string, CommandHandler>) {
  return async function run(commandLine: string, machine: LabMachine): Promise<LabCommandResult> {
    if (SHELL_SYNTAX.test(commandLine)) {
      return fail(2, `bash: line 1: shell syntax is not emulated by the lab utility OS: ${commandLine}`);
    }
    const [name, ...args] = commandLine.trim().split(/\s+/);
    if (!name) return { code: 0, stdout: '', stderr: '' };
    const tool = Object.hasOwn(tools, name) ? tools[name] : undefined;
    if (!tool) return fail(127, `bash: line 1: ${name}: command not found`);
    try {
      return await tool(args, machine);
    } catch (err) {
      return fail(1, `${name}: ${(err as Error).message}`);
    }
  };
}
