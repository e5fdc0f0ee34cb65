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
  return /<\/?[a-z][a-z0-9]*(\s[^<>]*)?\/?>/i.test(s) || /&(#\d+|#x[0-9a-f]+|[a-z]{2,8});/i.test(s) || /@UUID\[|&Reference\[|\[\[\//.test(s);
}

/** What Foundry's enrichers may refer to: the actor's name, its items by id. */
export interface EnricherContext {
  readonly name?: string;
  readonly items?: ReadonlyMap<string, string>;
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
    .replace(/\[\[lookup\s+[^\]\n]{0,200}\]\](\{([^}\n]{0,200})\})?/g, (_m, _l?: string, label?: string) => label ?? '')
    .replace(/\[\[\/item\s+\.?([^\]\n]{0,200})\]\](\{([^}\n]{0,200})\})?/g, (_m, ref: string, _l?: string, label?: string) => label ?? ctx.items?.get(ref.trim()) ?? ref.trim())
    .replace(/\[\[\/attack(\s[^\]\n]{0,200})?\]\](\{([^}\n]{0,200})\})?/g, (_m, _f?: string, _l?: string, label?: string) => label ?? 'Attack roll')
    .replace(/\[\[\/damage(\s[^\]\n]{0,200})?\]\](\{([^}\n]{0,200})\})?/g, (_m, f?: string, _l?: string, label?: string) => {
      const formula = (f ?? '').replace(/\b(average|extended|type=\S+)\b/g, '').trim();
      return label ?? (formula ? formula : 'Hit: damage as listed');
    })
    .replace(/\[\[\/(?:r|roll|gmr|br|healing|award)\s+([^\]\n]{0,200})\]\](\{([^}\n]{0,200})\})?/g, (_m, f: string, _l?: string, label?: string) => label ?? f.replace(/\s*#.*$/, '').trim())
    .replace(/\[\[\/(?:check|save|skill|tool|concentration)\s*([^\]\n]{0,200})\]\](\{([^}\n]{0,200})\})?/g, (_m, f: string, _l?: string, label?: string) => label ?? f.replace(/\b(format=\S+|extended|passive)\b/g, '').trim());
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
