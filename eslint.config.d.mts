// Types of what eslint.config.mjs exports besides the config: the layering table that
// tools/architecture/layering.test.ts checks the import graph against.
export declare const FORBIDDEN: Readonly<Record<string, readonly string[]>>;
export declare const MONGODB_ALLOWED: readonly string[];
declare const config: unknown;
export default config;
