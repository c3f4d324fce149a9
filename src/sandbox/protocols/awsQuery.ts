import type { RawRequest } from '../types.js';
import { AwsError } from '../types.js';
import type { SandboxService } from '../types.js';
import { errorFields } from './codec.js';
import type { DecodedRequest, EncodedResponse, ProtocolCodec } from './codec.js';
import { escapeXml, xmlChildren } from './xml.js';

/**
 * Turns flattened query parameters (`Tags.member.1.Key=k`) into the nested input the handlers read
 * (`{ Tags: [{ Key: 'k' }] }`). Lists use `member.N` (1-based), maps `entry.N.key/value`.
 */
export function unflattenQuery(params: Iterable<[string, string]>): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  const maps: { parent: Record<string, unknown>; key: string }[] = [];
  for (const [name, value] of params) {
    const segs = name.split('.');
    let cur: Record<string, unknown> | unknown[] = root;
    for (let i = 0; i < segs.length; i++) {
      const seg = segs[i]!;
      const next = segs[i + 1];
      const idx = segs[i + 2];
      const last = i === segs.length - 1;
      if ((next === 'member' || next === 'entry') && idx !== undefined && /^\d+$/.test(idx)) {
        const container = cur as Record<string, unknown>;
        if (!Array.isArray(container[seg])) container[seg] = [];
        if (next === 'entry') maps.push({ parent: container, key: seg });
        const arr = container[seg] as unknown[];
        const n = Number(idx) - 1;
        if (i + 2 === segs.length - 1) {
          arr[n] = value;
          break;
        }
        if (!arr[n] || typeof arr[n] !== 'object') arr[n] = {};
        cur = arr[n] as Record<string, unknown>;
        i += 2;
        continue;
      }
      const obj = cur as Record<string, unknown>;
      if (last) {
        // `Tags=` is how an empty list is sent.
        if (!(seg in obj)) obj[seg] = value;
      } else {
        if (!obj[seg] || typeof obj[seg] !== 'object') obj[seg] = {};
        cur = obj[seg] as Record<string, unknown>;
      }
    }
  }
  const compact = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.filter((x) => x !== undefined).map(compact);
    if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) (v as Record<string, unknown>)[k] = compact(x);
    }
    return v;
  };
  compact(root);
  for (const { parent, key } of maps) {
    const entries = parent[key];
    if (!Array.isArray(entries)) continue;
    const out: Record<string, unknown> = {};
    for (const e of entries as { key?: string; value?: unknown }[]) if (e && e.key !== undefined) out[e.key] = e.value;
    parent[key] = out;
  }
  return root;
}

export const awsQuery: ProtocolCodec = {
  family: 'query',

  decode(req: RawRequest, service: SandboxService): DecodedRequest {
    const form = new URLSearchParams(req.body.toString('utf8'));
    const entries: [string, string][] = [...req.query, ...form].filter(([k]) => k !== '');
    const action = entries.find(([k]) => k === 'Action')?.[1];
    const version = entries.find(([k]) => k === 'Version')?.[1];
    if (!action) throw new AwsError('MissingAction', 'Missing Action', 400);
    if (!Object.hasOwn(service.operations, action)) {
      throw new AwsError('InvalidAction', `Could not find operation ${action} for version ${version ?? 'NO_VERSION_SPECIFIED'}`, 400);
    }
    const input = unflattenQuery(entries.filter(([k]) => k !== 'Action' && k !== 'Version'));
    return { operation: action, input, params: {} };
  },

  encodeResult(service, operation, result, requestId): EncodedResponse {
    const ns = service.xmlNamespace ? ` xmlns="${service.xmlNamespace}"` : '';
    const inner = result && typeof result === 'object' && Object.keys(result).length > 0 ? `<${operation}Result>${xmlChildren(result)}</${operation}Result>` : '';
    const body = `<${operation}Response${ns}>${inner}<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${operation}Response>`;
    return { status: 200, headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId }, body };
  },

  encodeError(service, error, requestId): EncodedResponse {
    const ns = service?.xmlNamespace ? ` xmlns="${service.xmlNamespace}"` : '';
    const body =
      `<ErrorResponse${ns}><Error><Type>${error.fault}</Type><Code>${escapeXml(error.code)}</Code>` +
      `<Message>${escapeXml(error.message)}</Message>${xmlChildren(errorFields(error))}</Error>` +
      `<RequestId>${requestId}</RequestId></ErrorResponse>`;
    return { status: error.status, headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId }, body };
  },
};
