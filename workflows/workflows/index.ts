// Every workflow the worker registers. Files under workflows/workflows/ run in Temporal's
// deterministic sandbox: they import activity *types* only (lint-enforced).
export { discovery } from './discovery.js';
export { wipe } from './wipe.js';
export { provisionOs } from './provision-os.js';
export { clusterCreate } from './cluster-create.js';
export { clusterDelete } from './cluster-delete.js';
export { bootEventSignal } from './boot-events.js';
export { progressQuery } from './runbook.js';
