/**
 * Names for the shapes of the generated `operations` that callers use most: the bodies the API
 * answers (`Answer<'getAsset'>`) and takes (`Body<'createCluster'>`).
 */
import type { operations } from './openapi-types.js';

type Json<T> = T extends { content: { 'application/json': infer B } } ? B : never;

/** The JSON body of operation `Op`'s answer `Status` (its first 2xx one by default). */
export type Answer<
  Op extends keyof operations,
  Status extends keyof operations[Op]['responses'] = Extract<keyof operations[Op]['responses'], 200 | 201 | 202>,
> = Json<operations[Op]['responses'][Status]>;

/** The JSON request body of operation `Op`. */
export type Body<Op extends keyof operations> = operations[Op] extends { requestBody?: infer R }
  ? Json<NonNullable<R>>
  : never;

export type Asset = Answer<'getAsset'>;
export type Cluster = Answer<'getCluster'>;
export type ClusterPlan = Answer<'createCluster', 200>;
export type Workflow = Answer<'getWorkflow'>;
export type Site = Answer<'getSite'>;
export type ApiKey = Answer<'getApiKey'>;
export type IssuedApiKey = Answer<'createApiKey'>;
export type BulkEnrolment = Answer<'createAssetsBulk'>;
export type CreateAssetBody = Body<'createAsset'>;
export type CreateClusterBody = Body<'createCluster'>;
export type ProvisionAssetBody = Body<'provisionAsset'>;
