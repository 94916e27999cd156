/** Every byte a Temporal history holds: its strings and each payload's data read as text. */
export function historyText(history: unknown): string {
  const texts: string[] = [];
  const walk = (node: unknown): void => {
    if (node instanceof Uint8Array) texts.push(Buffer.from(node).toString('utf8'));
    else if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') Object.values(node).forEach(walk);
    else if (typeof node === 'string') texts.push(node);
  };
  walk(history);
  return texts.join('\n');
}
