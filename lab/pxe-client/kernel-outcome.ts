/**
 * What a booted kernel's arguments say it is, however it was loaded (PXE chain or virtual CD):
 * Talos (which needs `talos.config=`) or Rackpilot's utility image. Returns the reason otherwise;
 * each boot path wraps it in its own error.
 */
export function kernelOutcome(
  args: readonly string[],
): { outcome: 'talos' | 'utility'; configUrl?: string } | { error: string } {
  const outcome = args.includes('talos.platform=metal')
    ? 'talos'
    : args.includes('rackpilot.boot=utility')
      ? 'utility'
      : null;
  if (outcome === null) return { error: 'kernel is neither Talos nor the utility image' };
  const configUrl = args.find((a) => a.startsWith('talos.config='))?.slice('talos.config='.length);
  if (outcome === 'talos' && configUrl === undefined) return { error: 'Talos kernel without talos.config=' };
  return { outcome, configUrl };
}
