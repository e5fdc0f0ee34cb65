/** Entity links (`[[Name]]`, `[[kind/Name]]`, `[[Name|shown text]]`): find them in Markdown and YAML, resolve them to entities. */
export { MAX_LINK_TEXT, markdownCode, scanLinks, yamlComments, type EntityLink, type LinkSyntax } from './scan';
export { LinkResolver, nameKey, type EntitySummary, type LinkScope, type Resolution } from './resolve';
export { bookNamed, citationBeingTyped, pageChoices, type CitationInProgress, type PageChoice } from './citations';
export { citableBook, citationOfLink, citationOfSource, citationText, citationsInBody, citedPages, resolveCitation, scanCitations, type CitableBook, type Citation, type CitationTarget } from './citations';
