import { z } from 'zod';
import { ConfigError } from './errors.js';

/**
 * Parses environment variables through a zod object schema whose keys are the variable names.
 * Every problem is collected, so an operator fixes all bad variables in one go.
 *
 * Throws ConfigError naming each offending variable.
 */
export function parseEnv<S extends z.ZodObject>(schema: S, env: NodeJS.ProcessEnv): z.infer<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const details = result.error.issues.map((issue) => ({
    variable: String(issue.path[0] ?? '(root)'),
    problem: issue.message,
  }));
  const list = details.map((d) => `${d.variable}: ${d.problem}`).join('; ');
  throw new ConfigError(`Invalid configuration: ${list}`, details);
}

/** A boolean env var: accepts true/false/1/0/yes/no. */
export const envBoolean = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'])
    .optional()
    .transform((v) => (v === undefined ? fallback : v === 'true' || v === '1' || v === 'yes'));

/** A TCP port env var (0 means "pick a free one"). */
export const envPort = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);
