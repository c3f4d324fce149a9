#!/usr/bin/env node
import { installSignalHandlers, signalExitCode } from './interrupt.js';
import { processIO } from './io.js';
import { runCli } from './program.js';
import { setFlagsFromString } from 'node:v8';

// The SDK warns on every run that its releases after January 2027 will need Node 22. lz pins its SDK
// version in package-lock.json, so the notice says nothing about this install; it stays on if you set it.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

// V8 lets the heap grow to up to four times what a full collection left alive when the machine has memory
// to spare, and lz's garbage is almost all short-lived SDK calls: a 10,000-account plan reached over 500 MiB
// of RSS with far less alive. Growing by half instead keeps it near its live size at no measured CPU cost
// (docs/performance.md). V8 reads the flag at each collection, so it can be set here; unlike
// --max-old-space-size it caps nothing. A value of your own on node's command line wins (NODE_OPTIONS
// cannot carry it).
if (!process.execArgv.some((a) => /heap[-_]growing[-_]percent/.test(a))) setFlagsFromString('--heap-growing-percent=50');

const io = processIO();
const interrupt = installSignalHandlers(io.stderr);
const code = await runCli(process.argv.slice(2), { ...io, interrupt });
// An interrupted run has reported and released its locks; calls it stopped waiting for must not keep it alive.
if (interrupt.signal.aborted) process.exit(signalExitCode(interrupt.signal.reason));
process.exitCode = code;
