// Every workflow the worker registers. Files under workflows/workflows/ run in Temporal's
// deterministic sandbox: they import activity *types* only (lint-enforced).
export {};
