/** The VM lab as a lab of the REST stack (`startRestLabStack(name, { startLab: await vmLabStarter(...) })`). */
import { checkVmSupport } from '../../lab/vm/vm-support.js';
import type { VmLab } from '../../lab/vm/vm-lab-host.js';
import { startVmSite } from '../../tools/dev/vm-datacenter.js';
import type { LabStarter } from './lab-stack.js';

/** Why the VM lab cannot run here (a one-line reason), or undefined when it can. */
export async function vmLabSkipReason(): Promise<string | undefined> {
  const support = await checkVmSupport();
  return support.ok ? undefined : support.reason;
}

/** A starter of `machines` VMs and their agent; thrown when the machine cannot run them. */
export async function vmLabStarter(options: { machines: number }): Promise<LabStarter<VmLab>> {
  const support = await checkVmSupport();
  if (!support.ok) throw new Error(`VM lab unavailable: ${support.reason}`);
  return async ({ apiUrl, enrollmentToken, dir, stops }) => {
    const site = await startVmSite({ apiUrl, enrollmentToken, dir, machines: options.machines, support });
    stops.push(() => site.stop());
    return { lab: site.lab, agent: site.agent };
  };
}
