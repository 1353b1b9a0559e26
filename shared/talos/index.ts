/**
 * Talos artefacts generated natively: secrets bundle, machine configs, talosconfig and admin
 * kubeconfig, plus the validation of a cluster request. Pure functions over node:crypto; the
 * worker calls them in an activity, the agent uses the parsers. Schema: Talos v1.10.
 */
export {
  talosClusterInputSchema,
  type TalosClusterInput,
  type TalosNodeInput,
  type ValidatedClusterInput,
} from './cluster-input.js';
export { validateClusterInput, type FieldProblem } from './validate-cluster-input.js';
export { systemCryptoSource, seededCryptoSource, type CryptoSource, type KeyKind } from './crypto-source.js';
export {
  issueCertificate,
  issueClientCertificate,
  parsePrivateKey,
  privateKeyToPem,
  toPkcs8Pem,
  type CertAndKey,
  type LeafOptions,
  type Subject,
} from './pki.js';
export {
  CA_VALIDITY_MS,
  generateSecretsBundle,
  generateToken,
  toTalosctlSecrets,
  type BundleKeys,
  type GenerateSecretsBundleOptions,
  type TalosSecretsBundle,
} from './secrets-bundle.js';
export {
  TALOS_SCHEMA_VERSION,
  buildMachineConfig,
  controlPlaneEndpoint,
  controlPlaneHost,
  generateMachineConfigs,
  machineConfigToYaml,
  type GeneratedMachineConfig,
} from './machine-config.js';
export { strategicMerge } from './strategic-merge.js';
export {
  TALOS_ADMIN_ROLE,
  generateTalosconfig,
  parseTalosconfig,
  talosEndpoints,
  type ClientCredentialOptions,
  type GeneratedTalosconfig,
  type TalosContext,
} from './talosconfig.js';
export {
  generateAdminKubeconfig,
  verifyFetchedKubeconfig,
  type GeneratedKubeconfig,
  type VerifiedKubeconfig,
} from './kubeconfig.js';
