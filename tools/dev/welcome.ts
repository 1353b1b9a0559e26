import type { Container } from '../../api/container.js';
import type { AssetDoc } from '../../db/asset-repository.js';
import type { Logger } from '../../shared/logger.js';

/** Waits until every asset has left discovery (available or error), logging progress; returns those in error. */
export async function waitForDiscovery(
  container: Container,
  assetIds: string[],
  log: Logger,
  timeoutMs = 300_000,
): Promise<AssetDoc[]> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    const assets = await Promise.all(assetIds.map((id) => container.repositories.assets.get(id)));
    const counts = assets.reduce<Record<string, number>>(
      (acc, a) => ({ ...acc, [a.state]: (acc[a.state] ?? 0) + 1 }),
      {},
    );
    const summary = Object.entries(counts)
      .map(([state, n]) => `${n} ${state}`)
      .join(', ');
    if (summary !== last) log.info(`discovery: ${summary}`);
    last = summary;
    if (assets.every((a) => a.state === 'available' || a.state === 'error')) {
      const failed = assets.filter((x) => x.state === 'error');
      for (const a of failed) log.warn({ assetId: a._id, lastError: a.lastError }, 'discovery failed');
      return failed;
    }
    if (Date.now() > deadline) throw new Error(`discovery did not finish within ${timeoutMs / 1000} s (${summary})`);
    await new Promise((r) => setTimeout(r, 1_000));
  }
}

/**
 * A Colony-shaped cluster request on the lab: one control plane on the first asset and workers on
 * the next two, as far as there are assets (workers get their Talos API certificate from the
 * control plane's trustd, as on real Talos).
 */
export function demoClusterRequest(info: { assetIds: string[]; lab: { gateway: string; freeIps: string[] } }) {
  const [first, ...rest] = info.assetIds;
  const node = (assetId: string | undefined, i: number) => ({ assetId, ip: info.lab.freeIps[i], subnet: '24' });
  return {
    name: 'lab-cluster',
    type: 'talos',
    flavor: 'talos' as const,
    gateway: info.lab.gateway,
    controlPlanes: [node(first, 0)],
    workers: rest.slice(0, 2).map((assetId, i) => node(assetId, i + 1)),
  };
}

/** Prints what a person needs to try the API: URL, key, and copy-pasteable commands. */
export function printWelcome(info: {
  apiUrl: string;
  apiKey: string;
  siteId: string;
  assetIds: string[];
  devFile: string;
  lab: { subnet: string; gateway: string; freeIps: string[] };
}): void {
  const h = `-H "Authorization: Bearer ${info.apiKey}"`;
  const lines = [
    '',
    'Rackpilot is up, with a simulated datacenter.',
    `  API:      ${info.apiUrl}   (OpenAPI: ${info.apiUrl}/api/v1/openapi.json)`,
    `  API key:  ${info.apiKey}   (admin; shown once)`,
    `  Dashboard: ${info.apiUrl}/ui/   (sign in with the API key)`,
    `  Site:     ${info.siteId}   lab subnet ${info.lab.subnet}, gateway ${info.lab.gateway}, free IPs ${info.lab.freeIps.slice(0, 5).join(', ')}, ...`,
    `  Details:  ${info.devFile}`,
    '',
    'Try:',
    `  RACKPILOT_API_URL=${info.apiUrl} RACKPILOT_API_KEY=${info.apiKey} npx rackpilot login   # then: npx rackpilot assets ls`,
    `  curl -s ${h} ${info.apiUrl}/api/v1/assets`,
    `  curl -s ${h} -H 'Content-Type: application/json' ${info.apiUrl}/api/v1/clusters -d '${JSON.stringify(demoClusterRequest(info))}'`,
    `  curl -s ${h} "${info.apiUrl}/api/v1/workflows?type=cluster-provision"   # then GET /api/v1/workflows/<workflowId>`,
    '',
    'Ctrl-C stops everything.',
  ];
  console.log(lines.join('\n'));
}
