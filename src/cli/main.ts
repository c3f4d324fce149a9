#!/usr/bin/env node
import { installSignalHandlers, signalExitCode } from './interrupt.js';
import { processIO } from './io.js';
import { runCli } from './program.js';
import { HEAP_GROWTH_PERCENT, setHeapGrowth } from './heap.js';

// The SDK warns on every run that its releases after January 2027 will need Node 22. lz pins its SDK
// version in package-lock.json, so the notice says nothing about this install; it stays on if you set it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

setHeapGrowth(HEAP_GROWTH_PERCENT);

const io = processIO();
const interrupt = installSignalHandlers(io.stderr);
const code = await runCli(process.argv.slice(2), { ...io, interrupt });
// An interrupted run has reported and released its locks; calls it stopped waiting for must not keep it alive.
if (interrupt.signal.aborted) process.exit(signalExitCode(interrupt.signal.reason));
process.exitCode = code;
