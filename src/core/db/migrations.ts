import { sha256 } from 'hash-wasm';
import { KINDS, type KindSpec } from './kinds';

/**
 * Numbered schema migrations. Each has an `up` and a `down` script; its checksum (SHA-256 of
 * number, name and both scripts) is recorded when it runs, so a changed migration is noticed.
 * Never edit a released migration: add the next one.
 */
export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly up: string;
  readonly down: string;
  /** Tables whose row counts this migration may change (verification checks all others). */
  readonly changesRowsOf?: readonly string[];
}

const sqlType = { text: 'TEXT', integer: 'INTEGER', boolean: 'INTEGER' } as const;

function entityTable(k: KindSpec): string {
  const extra = Object.entries(k.columns).map(([name, type]) => {
    const check =
      type === 'boolean' ? ` CHECK (${name} IN (0, 1))` : type === 'integer' ? ` CHECK (${name} IS NULL OR typeof(${name}) = 'integer')` : ` CHECK (${name} IS NULL OR length(${name}) <= 1000)`;
    return `  ${name} ${sqlType[type]}${check},`;
  });
  const campaign =
    k.scope === 'none' ? [] : [`  campaign_id TEXT${k.scope === 'required' ? ' NOT NULL' : ''} REFERENCES campaigns(id) ON DELETE CASCADE,`];
  const parent = k.kind === 'location' ? [',  FOREIGN KEY (parent_id) REFERENCES locations(id)'] : [];
  const scopeExpr = k.scope === 'none' ? '' : k.scope === 'required' ? 'campaign_id, ' : "ifnull(campaign_id, ''), ";
  return [
    `CREATE TABLE ${k.table} (`,
    `  id TEXT PRIMARY KEY NOT NULL CHECK (length(id) BETWEEN 1 AND 64),`,
    ...campaign,
    `  name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 200),`,
    ...extra,
    `  body TEXT NOT NULL CHECK (json_valid(body)),`,
    `  version INTEGER NOT NULL CHECK (version >= 1),`,
    `  created_at TEXT NOT NULL,`,
    `  updated_at TEXT NOT NULL CHECK (updated_at >= created_at),`,
    `  deleted_at TEXT`,
    ...parent,
    `);`,
    `CREATE UNIQUE INDEX ${k.table}_name ON ${k.table}(${scopeExpr}name COLLATE NOCASE) WHERE deleted_at IS NULL;`,
    k.scope === 'none' ? '' : `CREATE INDEX ${k.table}_campaign ON ${k.table}(campaign_id, deleted_at, name COLLATE NOCASE);`,
  ]
    .filter(Boolean)
    .join('\n');
}

const initialSchema = [
  entityTable(KINDS.campaign),
  'CREATE INDEX campaigns_active ON campaigns(is_active, system) WHERE deleted_at IS NULL;',
  entityTable(KINDS.location),
  'CREATE INDEX locations_parent ON locations(parent_id);',
  entityTable(KINDS.character),
  entityTable(KINDS.npc),
  entityTable(KINDS.session),
  'CREATE INDEX sessions_number ON sessions(campaign_id, number);',
  entityTable(KINDS.item),
  entityTable(KINDS.spell),
  'CREATE INDEX spells_level ON spells(level, school);',
  entityTable(KINDS.asset),
  'CREATE INDEX assets_hash ON assets(hash);',
  entityTable(KINDS.rulebook),
  `CREATE TABLE links (
  id TEXT PRIMARY KEY NOT NULL,
  campaign_id TEXT REFERENCES campaigns(id) ON DELETE CASCADE,
  from_kind TEXT NOT NULL CHECK (from_kind IN ('campaign','character','npc','session','location','item','spell','rulebook','asset')),
  from_id TEXT NOT NULL,
  to_kind TEXT NOT NULL CHECK (to_kind IN ('campaign','character','npc','session','location','item','spell','rulebook','asset')),
  to_id TEXT NOT NULL,
  relation TEXT NOT NULL CHECK (length(relation) BETWEEN 1 AND 100),
  created_at TEXT NOT NULL,
  UNIQUE (from_kind, from_id, to_kind, to_id, relation)
);
CREATE INDEX links_to ON links(to_kind, to_id);`,
  `CREATE TABLE audit_logs (
  seq INTEGER PRIMARY KEY NOT NULL CHECK (seq >= 1),
  at TEXT NOT NULL,
  action TEXT NOT NULL CHECK (action IN ('create','update','delete','restore','purge','migrate','rollback-migration','rotate-key','change-password','encrypt','import','restore-backup','repair')),
  kind TEXT,
  entity_id TEXT,
  hash_before TEXT,
  hash_after TEXT,
  detail TEXT CHECK (detail IS NULL OR json_valid(detail)),
  prev_hash TEXT NOT NULL,
  entry_hash TEXT NOT NULL UNIQUE
);
CREATE INDEX audit_entity ON audit_logs(kind, entity_id, seq);`,
  `CREATE TABLE settings (
  key TEXT PRIMARY KEY NOT NULL CHECK (length(key) BETWEEN 1 AND 200),
  value TEXT NOT NULL CHECK (json_valid(value)),
  updated_at TEXT NOT NULL
);`,
  `CREATE TABLE sync_metadata (
  kind TEXT NOT NULL,
  entity_id TEXT NOT NULL,
  remote_id TEXT,
  etag TEXT,
  last_synced_at TEXT,
  PRIMARY KEY (kind, entity_id)
);`,
  `CREATE TABLE backup_metadata (
  id TEXT PRIMARY KEY NOT NULL,
  created_at TEXT NOT NULL,
  trigger TEXT NOT NULL CHECK (trigger IN ('manual','scheduled','safety')),
  note TEXT,
  target TEXT NOT NULL,
  snapshot_id TEXT,
  size INTEGER CHECK (size IS NULL OR size >= 0),
  status TEXT NOT NULL CHECK (status IN ('complete','failed','verified','pruned'))
);`,
  `CREATE TABLE schema_migrations (
  version INTEGER PRIMARY KEY NOT NULL,
  name TEXT NOT NULL,
  checksum TEXT NOT NULL,
  applied_at TEXT NOT NULL
);`,
].join('\n');

const dropInitial = [
  'schema_migrations',
  'backup_metadata',
  'sync_metadata',
  'settings',
  'audit_logs',
  'links',
  'rulebooks',
  'assets',
  'spells',
  'items',
  'sessions',
  'npcs',
  'characters',
  'locations',
  'campaigns',
]
  .map((t) => `DROP TABLE ${t};`)
  .join('\n');

export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'initial schema', up: initialSchema, down: dropInitial },
  {
    version: 2,
    name: 'recently changed entities',
    up: [
      'CREATE INDEX characters_updated ON characters(updated_at) WHERE deleted_at IS NULL;',
      'CREATE INDEX npcs_updated ON npcs(updated_at) WHERE deleted_at IS NULL;',
      'CREATE INDEX sessions_updated ON sessions(updated_at) WHERE deleted_at IS NULL;',
    ].join('\n'),
    down: ['DROP INDEX characters_updated;', 'DROP INDEX npcs_updated;', 'DROP INDEX sessions_updated;'].join('\n'),
  },
  {
    version: 3,
    name: 'entry texts as typed',
    // The YAML an entry was last saved as (comments, order, quoting), valid while the entry is at
    // `entity_version`; any other change makes it stale and the text is written out afresh.
    up: `CREATE TABLE entity_texts (
  kind TEXT NOT NULL CHECK (kind IN ('campaign','character','npc','session','location','item','spell','rulebook','asset')),
  entity_id TEXT NOT NULL,
  entity_version INTEGER NOT NULL CHECK (entity_version >= 1),
  text TEXT NOT NULL CHECK (length(text) <= 2000000),
  PRIMARY KEY (kind, entity_id)
);`,
    down: 'DROP TABLE entity_texts;',
  },
  {
    version: 4,
    name: 'rulebook page text',
    // Each page of a rulebook's PDF as extracted when it was added (docs/RULEBOOKS.md): its plain
    // text, its headings (JSON [{title, at}]) and the outline chapter it belongs to. In the vault's
    // database, so it is encrypted, journaled, backed up and checked like everything else.
    up: `CREATE TABLE rulebook_pages (
  rulebook_id TEXT NOT NULL REFERENCES rulebooks(id) ON DELETE CASCADE,
  page INTEGER NOT NULL CHECK (typeof(page) = 'integer' AND page BETWEEN 1 AND 100000),
  chapter TEXT CHECK (chapter IS NULL OR length(chapter) <= 1000),
  headings TEXT NOT NULL CHECK (json_valid(headings)),
  text TEXT NOT NULL CHECK (length(text) <= 1000000),
  PRIMARY KEY (rulebook_id, page)
);`,
    down: 'DROP TABLE rulebook_pages;',
  },
];

export async function migrationChecksum(m: Migration): Promise<string> {
  return sha256(`${m.version}\n${m.name}\n${m.up}\n-- down --\n${m.down}`);
}
