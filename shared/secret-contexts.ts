/**
 * The SecretBox context of every sealed field. A context binds a ciphertext to the record and
 * field it was sealed for: one copied to another asset, cluster or webhook fails to open.
 */

/** An asset's BMC password. */
export const bmcPasswordContext = (assetId: string) => `asset:${assetId}:bmcPassword`;

/** One of a cluster's secrets (`bundle`, `talosconfig`, `kubeconfig`, `machineConfig:<assetId>`, …). */
export const clusterSecretContext = (clusterId: string, field: string) => `cluster:${clusterId}:${field}`;

/** A webhook's signing secret. */
export const webhookSecretContext = (webhookId: string) => `webhook:${webhookId}:secret`;
