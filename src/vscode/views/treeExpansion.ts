import type * as vscode from 'vscode';

/** The workspaceState key: `{ [workspace folder URI]: { [node id]: expanded } }`. */
export const EXPANSION_KEY = 'campaignVault.campaigns.expanded';
/** At most this many nodes are remembered per vault (the least recently toggled are forgotten first). */
const LIMIT = 2000;

type Stored = Record<string, Record<string, boolean>>;

/**
 * Which nodes of the Campaigns view the user expanded or collapsed, per vault, in the workspace's
 * state. VS Code 1.100 keeps an extension tree's expansion only while its nodes exist: Lock empties
 * the view and a reload starts it afresh, so this remembers it and the tree hands it back as each
 * node's collapsible state.
 *
 * Only node ids are kept (the folder's URI, entry ids, kind names): never an entry's name, so an
 * encrypted vault's campaign stays unreadable in the workspace state.
 */
export class TreeExpansion {
  private stored: Stored;

  constructor(private readonly memento: vscode.Memento) {
    const raw = memento.get<unknown>(EXPANSION_KEY);
    this.stored = isStored(raw) ? raw : {};
  }

  /** Whether the node was left expanded; undefined when it was never toggled. */
  get(folder: string, nodeId: string): boolean | undefined {
    return this.stored[folder]?.[nodeId];
  }

  set(folder: string, nodeId: string, expanded: boolean): Thenable<void> {
    const nodes = { ...this.stored[folder] };
    delete nodes[nodeId]; // re-inserted last: the most recently toggled
    nodes[nodeId] = expanded;
    const ids = Object.keys(nodes);
    for (const old of ids.slice(0, Math.max(0, ids.length - LIMIT))) delete nodes[old];
    this.stored = { ...this.stored, [folder]: nodes };
    return this.memento.update(EXPANSION_KEY, this.stored);
  }
}

function isStored(v: unknown): v is Stored {
  return (
    typeof v === 'object' &&
    v !== null &&
    Object.values(v).every((nodes) => typeof nodes === 'object' && nodes !== null && Object.values(nodes as object).every((x) => typeof x === 'boolean'))
  );
}
