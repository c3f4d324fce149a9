/**
 * Runs beside lz (action/lz.sh) and writes a new GitHub OIDC token to AWS_WEB_IDENTITY_TOKEN_FILE every four
 * minutes, before the last one expires: an apply that outlasts the role's hour of credentials then gets new
 * ones when the SDK reads the file again, where it would otherwise send an expired token. Stops when told to,
 * or when the shell that started it is gone. A failed refresh is a warning: the token in place may suffice.
 */
import { setTimeout } from 'node:timers';
import { requestToken, writeTokenFile } from './oidc.mjs';

const file = process.env.AWS_WEB_IDENTITY_TOKEN_FILE;
const url = process.env.ACTIONS_ID_TOKEN_REQUEST_URL;
const bearer = process.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN;
// Not under the action's OIDC credentials (keys, or a run outside GitHub): nothing to keep fresh.
if (!file || !url || !bearer) process.exit(0);

const everyMs = Number(process.env.LZ_OIDC_REFRESH_SECONDS || 240) * 1000;
// The shell running lz (process.ppid is read once, at start): signal 0 asks whether it is still there.
const parent = process.ppid;
const parentAlive = () => {
  try {
    process.kill(parent, 0);
    return true;
  } catch {
    return false;
  }
};
process.on('SIGTERM', () => process.exit(0));

const refresh = async () => {
  if (!parentAlive()) process.exit(0);
  try {
    writeTokenFile(file, await requestToken(url, bearer));
  } catch (e) {
    process.stderr.write(`::warning::lz could not refresh its GitHub OIDC token: ${e instanceof Error ? e.message : String(e)}\n`);
  }
  setTimeout(refresh, everyMs);
};
setTimeout(refresh, everyMs);
