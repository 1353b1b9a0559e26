import { z } from 'zod';
import type { SiteDoc } from '../../db/site-repository.js';

const dateTime = z.iso.datetime();

/** A site as the API shows it: never its enrollment token hash. */
export const siteSchema = z.strictObject({
  id: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  enrolled: z.boolean().describe('True once an agent has used the enrollment token'),
  agent: z
    .strictObject({
      online: z.boolean().describe('Seen within the offline threshold'),
      lastSeenAt: dateTime.nullable(),
      version: z.string().nullable(),
      capabilities: z.array(z.string()),
      bootServerUrl: z.string().nullable(),
    })
    .describe('The site agent as last reported'),
  createdAt: dateTime,
  updatedAt: dateTime,
});

/** A site as returned once at creation, with its one-time enrollment token. */
export const createdSiteSchema = siteSchema.extend({
  enrollmentToken: z.string().describe('One-time agent enrollment token. Shown only in this response.'),
});

export type SiteView = z.infer<typeof siteSchema>;

/** Shapes a stored site for the wire; the agent is online when seen within `offlineAfterMs` of `now`. */
export function presentSite(site: SiteDoc, now: Date, offlineAfterMs: number): SiteView {
  const agent = site.agent;
  return {
    id: site._id,
    name: site.name,
    description: site.description ?? null,
    enrolled: site.enrollmentTokenHash === null,
    agent: {
      online: agent !== undefined && now.getTime() - agent.lastSeenAt.getTime() <= offlineAfterMs,
      lastSeenAt: agent ? agent.lastSeenAt.toISOString() : null,
      version: agent?.version ?? null,
      capabilities: agent?.capabilities ?? [],
      bootServerUrl: agent?.bootServerUrl ?? null,
    },
    createdAt: site.createdAt.toISOString(),
    updatedAt: site.updatedAt.toISOString(),
  };
}
