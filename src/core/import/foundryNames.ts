// Foundry dnd5e's codes in words, as its sheet shows them (CONFIG.DND5E.weaponProficiencies,
// armorProficiencies, tools, languages …, dnd5e 5.x). A code not listed is shown with its first
// letter in capitals ("longsword" → "Longsword").

const WEAPONS: Record<string, string> = {
  sim: 'Simple weapons',
  mar: 'Martial weapons',
  handcrossbow: 'Hand crossbows',
  heavycrossbow: 'Heavy crossbows',
  lightcrossbow: 'Light crossbows',
  lighthammer: 'Light hammers',
  warpick: 'War picks',
  firearm: 'Firearms',
};
const ARMOR: Record<string, string> = { lgt: 'Light armor', med: 'Medium armor', hvy: 'Heavy armor', shl: 'Shields', nat: 'Natural armor' };
const TOOLS: Record<string, string> = {
  art: "Artisan's tools",
  alchemist: "Alchemist's supplies",
  brewer: "Brewer's supplies",
  calligrapher: "Calligrapher's supplies",
  carpenter: "Carpenter's tools",
  cartographer: "Cartographer's tools",
  cobbler: "Cobbler's tools",
  cook: "Cook's utensils",
  glassblower: "Glassblower's tools",
  jeweler: "Jeweler's tools",
  leatherworker: "Leatherworker's tools",
  mason: "Mason's tools",
  painter: "Painter's supplies",
  potter: "Potter's tools",
  smith: "Smith's tools",
  tinker: "Tinker's tools",
  weaver: "Weaver's tools",
  woodcarver: "Woodcarver's tools",
  disg: 'Disguise kit',
  forg: 'Forgery kit',
  game: 'Gaming set',
  chess: 'Dragonchess set',
  card: 'Playing card set',
  dice: 'Dice set',
  herb: 'Herbalism kit',
  music: 'Musical instrument',
  bagpipes: 'Bagpipes',
  drum: 'Drum',
  dulcimer: 'Dulcimer',
  flute: 'Flute',
  horn: 'Horn',
  lute: 'Lute',
  lyre: 'Lyre',
  panflute: 'Pan flute',
  shawm: 'Shawm',
  viol: 'Viol',
  navg: "Navigator's tools",
  pois: "Poisoner's kit",
  thief: "Thieves' tools",
  vehicle: 'Vehicles',
  air: 'Vehicles (air)',
  land: 'Vehicles (land)',
  space: 'Vehicles (space)',
  water: 'Vehicles (water)',
};
const LANGUAGES: Record<string, string> = {
  ALL: 'All languages',
  cant: "Thieves' Cant",
  deep: 'Deep Speech',
  sign: 'Common Sign Language',
};
const SENSES: Record<string, string> = { darkvision: 'darkvision', blindsight: 'blindsight', tremorsense: 'tremorsense', truesight: 'truesight' };

const capital = (code: string) => (code === '' ? code : code[0]!.toUpperCase() + code.slice(1));
const words = (table: Record<string, string>) => (code: string) => table[code] ?? capital(code);

/** `sim` → "Simple weapons", `longsword` → "Longsword". */
export const weaponName = words(WEAPONS);
/** `lgt` → "Light armor". */
export const armorName = words(ARMOR);
/** `alchemist` → "Alchemist's supplies", `thief` → "Thieves' tools". */
export const toolName = words(TOOLS);
/** `common` → "Common", `deep` → "Deep Speech". */
export const languageName = words(LANGUAGES);
/** The senses a sheet has a number for. */
export const SENSE_KEYS = Object.keys(SENSES);
