// HTML (Foundry VTT descriptions) → Markdown, for the vault's text fields. A small linear scan,
// not a browser: paragraphs, line breaks, bold, italics, headings, lists, links and tables are
// kept as Markdown; other tags are dropped with their text kept; entities are decoded; Foundry's
// enrichers (@UUID[…]{Label}, &Reference[…], [[/r 1d6]]) become their label or formula.

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', ndash: '–', mdash: '—', hellip: '…', rsquo: '’', lsquo: '‘', rdquo: '”', ldquo: '“', times: '×', minus: '−' };

function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]{1,6}|#\d{1,7}|[a-z]{2,8});/gi, (m, e: string) => {
    if (e[0] === '#') {
      const code = e[1] === 'x' || e[1] === 'X' ? Number.parseInt(e.slice(2), 16) : Number.parseInt(e.slice(1), 10);
      return code > 0 && code <= 0x10ffff && !(code >= 0xd800 && code <= 0xdfff) ? String.fromCodePoint(code) : m;
    }
    return ENTITIES[e.toLowerCase()] ?? m;
  });
}

/** Whether a text looks like HTML (so converting it changes something). */
export function looksLikeHtml(s: string): boolean {
  return /<\/?[a-z][a-z0-9]*(\s[^<>]*)?\/?>/i.test(s) || /&(#\d+|#x[0-9a-f]+|[a-z]{2,8});/i.test(s) || /@UUID\[|&Reference\[|\[\[\/|\[\[lookup\s/.test(s);
}

/** What Foundry's enrichers may refer to: the actor's name, its items by id, its data. */
export interface EnricherContext {
  readonly name?: string;
  readonly items?: ReadonlyMap<string, string>;
  /** The value of a roll-data path (`abilities.cha.mod`, `scale.barbarian.rages`, `item.level` …). */
  readonly lookup?: (path: string) => string | number | undefined;
  /** The item's attack and damage in words ("Melee Attack Roll: +7, reach 5 ft", "Hit: 10 (1d10 + 5) piercing damage"). */
  readonly attack?: string;
  readonly damage?: string;
  /** Told of every reference that could not be worked out (it is written in words instead). */
  readonly unresolved?: (reference: string) => void;
}

const DATA_REF = /@((?:abilities|attributes|classes|details|scale|skills|item|prof|mod|spellcasting)\b[\w.-]*[\w])/g;

/** `@scale.barbarian.rages` → its value; one that cannot be worked out → "—", and reported. */
function resolveRefs(s: string, ctx: EnricherContext): string {
  return s.replace(DATA_REF, (_m, path: string) => {
    const v = ctx.lookup?.(path);
    if (v !== undefined) return String(v);
    ctx.unresolved?.(`@${path}`);
    return '—';
  });
}

/** A roll formula with its references replaced, and worked out when it is plain arithmetic ("1 + 4" → "5"). */
function formulaText(f: string, ctx: EnricherContext): string {
  const t = resolveRefs(f.replace(/\s*#.*$/, '').trim(), ctx);
  return /^[\d\s+*()-]+$/.test(t) && /\d/.test(t) && !/[+*-]\s*$/.test(t) ? String(sumOf(t) ?? t) : t;
}

/** Sums and products of whole numbers, without eval. */
function sumOf(t: string): number | undefined {
  if (!/^[\d\s+*-]+$/.test(t)) return undefined;
  let total = 0;
  for (const term of t.replace(/\s+/g, '').replace(/-/g, '+-').split('+')) {
    if (term === '') continue;
    const product = term.split('*').reduce((p, x) => p * Number(x), 1);
    if (!Number.isFinite(product)) return undefined;
    total += product;
  }
  return total;
}

/** Foundry's enrichers → plain words. */
export function stripEnrichers(s: string, ctx: EnricherContext = {}): string {
  return s
    .replace(/@Embed\[[^\]\n]{0,500}\](\{[^}\n]{0,500}\})?/g, '')
    .replace(/@(?:UUID|Compendium|Item|Actor|JournalEntry)\[[^\]\n]{0,500}\]\{([^}\n]{0,500})\}/g, '$1')
    .replace(/@(?:UUID|Compendium|Item|Actor|JournalEntry)\[([^\]\n]{0,500})\]/g, (_m, ref: string) => ref.split('.').at(-1) ?? ref)
    .replace(/&Reference\[([^\]\n]{0,200})\](\{([^}\n]{0,200})\})?/g, (_m, ref: string, _l, label?: string) => label ?? ref.split(/[\s=]/)[0]!)
    .replace(/\[\[lookup\s+@name(\s+lowercase)?\s*\]\](\{([^}\n]{0,200})\})?/g, (_m, lower?: string, _l?: string, label?: string) => {
      const n = ctx.name ?? label ?? 'it';
      return lower ? n.toLowerCase() : n;
    })
    .replace(/\[\[lookup\s+([^\]\n]{0,200})\]\](\{([^}\n]{0,200})\})?/g, (_m, ref: string, _l?: string, label?: string) => label ?? resolveRefs(ref.trim().split(/\s+/)[0]!, ctx))
    .replace(/\[\[\/item\s+\.?([^\]\n]{0,200})\]\](\{([^}\n]{0,200})\})?/g, (_m, ref: string, _l?: string, label?: string) => label ?? ctx.items?.get(ref.trim()) ?? ref.trim())
    .replace(/\[\[\/attack(\s[^\]\n]{0,200})?\]\](\{([^}\n]{0,200})\})?/g, (_m, _f?: string, _l?: string, label?: string) => label ?? ctx.attack ?? 'Attack roll')
    .replace(/\[\[\/damage(\s[^\]\n]{0,200})?\]\](\{([^}\n]{0,200})\})?/g, (_m, f?: string, _l?: string, label?: string) => {
      const formula = (f ?? '').replace(/\b(average|extended|type=\S+)\b/g, '').trim();
      return label ?? (formula ? formulaText(formula, ctx) : (ctx.damage ?? 'its damage'));
    })
    .replace(/\[\[\/(?:r|roll|gmr|br|healing|award)\s+([^\]\n]{0,200})\]\](\{([^}\n]{0,200})\})?/g, (_m, f: string, _l?: string, label?: string) => label ?? formulaText(f, ctx))
    .replace(/\[\[(?!\/|lookup\s)([^\]\n]{1,200})\]\](\{([^}\n]{0,200})\})?/g, (_m, f: string, _l?: string, label?: string) => (label ? `${label}: ${formulaText(f, ctx)}` : formulaText(f, ctx)))
    .replace(/\[\[\/(?:check|save|skill|tool|concentration)\s*([^\]\n]{0,200})\]\](\{([^}\n]{0,200})\})?/g, (_m, f: string, _l?: string, label?: string) => label ?? f.replace(/\b(format=\S+|extended|passive)\b/g, '').trim())
    .replace(DATA_REF, (m) => resolveRefs(m, ctx));
}

const SECRET = /<section\b[^<>]*\bclass\s*=\s*"[^"]*\bsecret\b[^"]*"[^<>]*>([\s\S]*?)<\/section>/gi;
const FOUNDRY_NOTE = /<p>\s*<strong>\s*Foundry Note\s*<\/strong>\s*<\/p>/i;

/**
 * Foundry's editorial boxes ("Foundry Note": how its sheet handles a rule) and the game master's
 * secret sections, taken out of the rules text: `text` without them, `notes` each as its own HTML.
 */
export function splitNotes(html: string): { text: string; notes: string[] } {
  const notes: string[] = [];
  let text = html.replace(SECRET, (_m, inner: string) => {
    notes.push(inner);
    return '';
  });
  const loose = FOUNDRY_NOTE.exec(text);
  if (loose) {
    notes.push(text.slice(loose.index));
    text = text.slice(0, loose.index);
  }
  return { text, notes: notes.map((n) => n.replace(FOUNDRY_NOTE, '<p><strong>Foundry Note:</strong></p>')) };
}

/** HTML → Markdown. Linear in the input; unknown tags vanish and keep their text. */
export function htmlToMarkdown(html: string, ctx: EnricherContext = {}): string {
  const out: string[] = [];
  const lists: ('ul' | 'ol')[] = [];
  const counters: number[] = [];
  let href: string | undefined;
  const tag = /<(\/?)([a-zA-Z][a-zA-Z0-9]*)([^<>]*)>|<!--[\s\S]*?-->/g;
  let last = 0;
  const text = (s: string) => {
    const t = decodeEntities(s.replace(/\s+/g, ' '));
    if (t.trim() !== '' || (t !== '' && out.length > 0 && !/\s$/.test(out.at(-1)!))) out.push(t);
  };
  const block = () => out.push('\n\n');
  for (let m = tag.exec(html); m !== null; m = tag.exec(html)) {
    text(html.slice(last, m.index));
    last = tag.lastIndex;
    if (m[2] === undefined) continue; // a comment
    const closing = m[1] === '/';
    const name = m[2].toLowerCase();
    switch (name) {
      case 'p':
      case 'div':
      case 'section':
      case 'blockquote':
      case 'table':
      case 'hr':
        block();
        break;
      case 'br':
        out.push('\n');
        break;
      case 'strong':
      case 'b':
        out.push('**');
        break;
      case 'em':
      case 'i':
        out.push('*');
        break;
      case 'h1':
      case 'h2':
      case 'h3':
      case 'h4':
      case 'h5':
      case 'h6':
        block();
        if (!closing) out.push(`${'#'.repeat(Number(name[1]))} `);
        break;
      case 'ul':
      case 'ol':
        if (closing) {
          lists.pop();
          counters.pop();
        } else {
          lists.push(name);
          counters.push(0);
        }
        block();
        break;
      case 'li':
        if (!closing) {
          const depth = Math.max(0, lists.length - 1);
          const kind = lists.at(-1) ?? 'ul';
          if (kind === 'ol') counters[counters.length - 1] = (counters.at(-1) ?? 0) + 1;
          out.push(`\n${'  '.repeat(depth)}${kind === 'ol' ? `${counters.at(-1)}.` : '-'} `);
        }
        break;
      case 'tr':
        if (!closing) {
          out.push('\n|');
        }
        break;
      case 'td':
      case 'th':
        if (closing) {
          out.push(' |');
        } else out.push(' ');
        break;
      case 'a':
        if (!closing) {
          href = /\bhref\s*=\s*"([^"]*)"/i.exec(m[3] ?? '')?.[1];
          // Only web and mail links survive: a javascript: or data: link would be a trap in a preview.
          if (href !== undefined && !/^(https?:|mailto:)/i.test(decodeEntities(href).trim())) href = undefined;
          if (href) out.push('[');
        } else if (href) {
          out.push(`](${decodeEntities(href).trim().replace(/[()\s]/g, (c) => encodeURIComponent(c))})`);
          href = undefined;
        }
        break;
      default:
        break;
    }
  }
  text(html.slice(last));
  return stripEnrichers(out.join(''), ctx)
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n[ \t]+(?![-\d])/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .replace(/\*\*\s*\*\*/g, '')
    .trim();
}
