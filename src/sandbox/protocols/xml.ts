/** Minimal XML writing for the sandbox's answers (awsQuery, restXml). */

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&apos;'));
}

function scalar(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  return escapeXml(String(value));
}

/**
 * Writes `value` as the children of an element, in the awsQuery style: arrays as `<member>` items, Maps as
 * `<entry><key/><value/></entry>`, Dates as ISO-8601, undefined/null members left out.
 */
export function xmlChildren(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (value instanceof Date || typeof value !== 'object') return scalar(value);
  if (Array.isArray(value)) return value.map((item) => `<member>${xmlChildren(item)}</member>`).join('');
  if (value instanceof Map) {
    let out = '';
    for (const [k, v] of value) out += `<entry><key>${scalar(k)}</key><value>${xmlChildren(v)}</value></entry>`;
    return out;
  }
  let out = '';
  for (const [k, v] of Object.entries(value)) {
    if (v === undefined || v === null) continue;
    out += `<${k}>${xmlChildren(v)}</${k}>`;
  }
  return out;
}
