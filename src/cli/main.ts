#!/usr/bin/env node
import { processIO } from './io.js';
import { runCli } from './program.js';

// The SDK warns on every run that its releases after January 2027 will need Node 22. lz pins its SDK
// version in package-lock.json, so the notice says nothing about this install; it stays on if you set it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const code = await runCli(process.argv.slice(2), processIO());
process.exitCode = code;
