/** The typed Rackpilot API client: `createRackpilotClient`, `unwrap`, `ApiError`, `streamEvents`. */
export { ApiError, isApiError, UNREACHABLE, type ApiErrorBody } from './api-error.js';
export { streamEvents, eventsUrl, type EventQuery, type StreamedEvent, type StreamOptions } from './event-stream.js';
export { createRackpilotClient, unwrap, type ClientOptions, type RackpilotClient } from './rackpilot-client.js';
export type * from './resources.js';
export type { components, operations, paths } from './openapi-types.js';
