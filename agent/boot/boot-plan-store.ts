import { readFile, rename, writeFile } from 'node:fs/promises';
import type { Logger } from '../../shared/logger.js';
import { BootPlanRegistry, type BootPlanSnapshot } from './boot-plans.js';

/** Plans older than this are not restored: the jobs that set them have timed out long ago. */
export const BOOT_PLAN_MAX_AGE_MS = 24 * 60 * 60 * 1000;

/**
 * Keeps the agent's boot plans in `file` (mode 0600: Talos config URL tokens are in it) so that a
 * restarted agent still tells a machine what to boot. Loads what a previous run saved, then
 * rewrites the file after every change (write to a temporary file, then rename: a crash leaves
 * the old or the new file, never half of one). Writes are serialised; the last state always wins.
 */
export async function persistentBootPlans(
  file: string,
  logger: Logger,
  now: () => Date = () => new Date(),
): Promise<{ plans: BootPlanRegistry; flushed(): Promise<void> }> {
  const plans = new BootPlanRegistry(now);
  const saved = await readSnapshot(file, logger);
  if (saved) {
    const restored = plans.restore(saved, BOOT_PLAN_MAX_AGE_MS);
    if (restored > 0 || saved.defaultPlan) logger.info({ restored, file }, 'restored boot plans of a previous run');
  }
  let writing: Promise<void> = Promise.resolve();
  let dirty = false;
  const write = async (): Promise<void> => {
    while (dirty) {
      dirty = false;
      const tmp = `${file}.tmp`;
      await writeFile(tmp, JSON.stringify(plans.snapshot()), { mode: 0o600 });
      await rename(tmp, file);
    }
  };
  plans.onChange(() => {
    if (dirty) return writing;
    dirty = true;
    writing = writing
      .then(write)
      .catch((err: unknown) =>
        logger.error({ err: { message: (err as Error).message }, file }, 'boot plans not saved'),
      );
    return writing;
  });
  return { plans, flushed: () => writing };
}

async function readSnapshot(file: string, logger: Logger): Promise<BootPlanSnapshot | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    const parsed = JSON.parse(text) as BootPlanSnapshot;
    if (!Array.isArray(parsed.plans)) throw new Error('no plans array');
    return parsed;
  } catch (err) {
    logger.warn({ file, err: { message: (err as Error).message } }, 'ignoring an unreadable boot plan file');
    return undefined;
  }
}
