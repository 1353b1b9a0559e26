import { EVENT_TYPES } from '../../../shared/events.js';

interface TrieNode {
  /** A type ends here. */
  end: boolean;
  children: Map<string, TrieNode>;
}

/**
 * Returns the regular expression of exactly the webhook filters that match some event type (the
 * ones `unknownTypePatterns` lets through): an event type, or a prefix of one followed by `*` —
 * `*`, `asset.*`, `workflow.step_*`. It is spelled out as a trie of the types so that a JSON Schema
 * `pattern` can state it; a refinement calling `unknownTypePatterns` would not show in the document.
 */
export function eventFilterPattern(types: readonly string[] = EVENT_TYPES): RegExp {
  const root: TrieNode = { end: false, children: new Map() };
  for (const type of types) {
    let node = root;
    for (const char of type) {
      let next = node.children.get(char);
      if (!next) node.children.set(char, (next = { end: false, children: new Map() }));
      node = next;
    }
    node.end = true;
  }
  return new RegExp(`^${alternatives(root)}$`);
}

/** What may follow a node: `*` (every type under this prefix) or the next character; nothing where a type ends. */
function alternatives(node: TrieNode): string {
  const options = ['\\*', ...[...node.children].map(([char, child]) => `${escape(char)}${alternatives(child)}`)];
  return `(?:${options.join('|')})${node.end ? '?' : ''}`;
}

function escape(char: string): string {
  return char.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
