import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { importDrafts, parseImportFiles } from '../../src/core/import';
import { deriveCharacterSheet, deriveStatBlock, parseWebviewMessage } from '../../src/core/sheet';
import { tempVault } from '../support/vaults';

const SPELL = '0193e5a2-7b3c-7def-8000-0000000000a1';
const ITEM = '0193e5a2-7b3c-7def-8000-0000000000b2';

describe('core/sheet: spells and items that link to their entries', () => {
  it("carries a character's spell_id and item_id to the sheet's lines, null where there is none", () => {
    const sheet = deriveCharacterSheet({
      name: 'Zanna',
      class: 'Wizard',
      level: 5,
      spells: { known: [{ name: 'Fireball', level: 3, spell_id: SPELL }, { name: 'Light', level: 0 }] },
      inventory: [{ name: 'Dagger', item_id: ITEM }, { name: 'Rope' }, { name: 'Odd', item_id: 42 }],
    });
    const spells = sheet.spellcasting!.spells.flatMap((g) => g.spells);
    assert.deepEqual(spells.map((s) => [s.name, s.spellId]), [['Light', null], ['Fireball', SPELL]]);
    assert.deepEqual(sheet.inventory.items.map((i) => [i.name, i.itemId]), [['Dagger', ITEM], ['Rope', null], ['Odd', null]]);
  });

  it("carries an NPC stat block's spell_id to its spell list", () => {
    const block = deriveStatBlock({ name: 'Iarno', statblock: { spellcasting: { ability: 'int', spells: [{ name: 'Mage Armor', level: 1, spell_id: SPELL }, { name: 'Shield', level: 1 }] } } });
    assert.deepEqual(block.spellcasting!.spells.map((s) => [s.name, s.spellId]), [['Mage Armor', SPELL], ['Shield', null]]);
  });

  it('accepts an openEntry message with an id, and nothing else', () => {
    assert.deepEqual(parseWebviewMessage({ type: 'openEntry', id: SPELL }), { type: 'openEntry', id: SPELL });
    for (const bad of [
      { type: 'openEntry' },
      { type: 'openEntry', id: '' },
      { type: 'openEntry', id: 42 },
      { type: 'openEntry', id: 'x'.repeat(201) },
      { type: 'openEntry', id: 'a\nb' },
      { type: 'openEntry', id: SPELL, kind: 'spell' },
      { type: 'openEntry', id: SPELL, uri: 'file:///etc/passwd' },
    ]) {
      assert.equal(parseWebviewMessage(bad), undefined, JSON.stringify(bad));
    }
  });

  it("links an imported Foundry NPC's spells to the spell entries made from them", async () => {
    const v = tempVault();
    const dm = v.manager();
    await dm.createVault();
    try {
      const text = readFileSync(join(__dirname, '../../../test/fixtures/importers/foundry-npcs/cultist-fanatic.json'), 'utf8');
      const done = await importDrafts(dm, parseImportFiles([{ name: 'cultist-fanatic.json', text }]).drafts, { campaign: 'Tomb', createCampaign: true });
      const cid = done.campaign_id!;
      const npc = (await dm.list('npc', { campaign_id: cid }))[0]!;
      const spells = deriveStatBlock(npc).spellcasting!.spells;
      assert.equal(spells.length, 5);
      for (const s of spells) {
        assert.ok(s.spellId, `${s.name} is linked`);
        assert.equal((await dm.get('spell', s.spellId))?.name, s.name);
      }
    } finally {
      await dm.lock();
      v.dispose();
    }
  });
});
