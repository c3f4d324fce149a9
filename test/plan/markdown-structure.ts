/**
 * What would break a Markdown comment's layout: a code fence left open, or a <details> opened and not closed
 * (or closed twice) outside code. Empty when the document is well formed.
 */
export function markdownProblems(md: string): string[] {
  const problems: string[] = [];
  let fence: string | undefined;
  let depth = 0;
  md.split('\n').forEach((line, i) => {
    const marker = /^(`{3,})/.exec(line)?.[1];
    if (fence) {
      if (marker && marker.length >= fence.length && line.trim() === marker) fence = undefined;
      return;
    }
    if (marker) {
      fence = marker;
      return;
    }
    depth += (line.match(/<details>/g) ?? []).length;
    depth -= (line.match(/<\/details>/g) ?? []).length;
    if (depth < 0) problems.push(`line ${i + 1}: </details> without <details>`);
    depth = Math.max(depth, 0);
  });
  if (fence) problems.push(`a ${fence} fence is never closed`);
  if (depth > 0) problems.push(`${depth} <details> never closed`);
  return problems;
}
