import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describePresence, inspectVault } from '../../src/core/vault/inspect';
import { FORMAT_VERSION, MAX_HEADER_BYTES } from '../../src/core/vault/layout';
import { NodeFileStore } from '../../src/node/fileStore';

describe('core/vault/inspect: what a workspace folder holds', () => {
  let root: string;
  const header = (content: string | Uint8Array) => {
    mkdirSync(join(root, '.campaign-vault'), { recursive: true });
    writeFileSync(join(root, '.campaign-vault/vault.json'), content);
  };
  const inspect = () => inspectVault(new NodeFileStore(root));

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'cv-inspect-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('finds no vault in an empty folder', async () => {
    assert.deepEqual(await inspect(), { state: 'absent' });
  });

  it('finds a vault with a current header', async () => {
    header(JSON.stringify({ format: 'campaign-vault', formatVersion: FORMAT_VERSION }));
    assert.deepEqual(await inspect(), { state: 'present', formatVersion: FORMAT_VERSION });
  });

  it('recognises a vault from a newer version and says to update', async () => {
    header(JSON.stringify({ format: 'campaign-vault', formatVersion: FORMAT_VERSION + 1 }));
    const p = await inspect();
    assert.deepEqual(p, { state: 'newer', formatVersion: FORMAT_VERSION + 1 });
    assert.match(describePresence(p), /Update the extension/);
  });

  const bad: [string, string | Uint8Array, RegExp][] = [
    ['not JSON (a PDF renamed)', '%PDF-1.7\n', /not valid UTF-8 JSON/],
    ['invalid UTF-8', new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]), /not valid UTF-8 JSON/],
    ['JSON but not ours', JSON.stringify({ format: 'something-else', formatVersion: 1 }), /not a Campaign Vault header/],
    ['JSON null', 'null', /not a Campaign Vault header/],
    ['no version', JSON.stringify({ format: 'campaign-vault' }), /no valid formatVersion/],
    ['a fractional version', JSON.stringify({ format: 'campaign-vault', formatVersion: 1.5 }), /no valid formatVersion/],
  ];
  for (const [what, content, reason] of bad) {
    it(`reports a header that is ${what} as unreadable, with the reason`, async () => {
      header(content);
      const p = await inspect();
      assert.equal(p.state, 'unreadable');
      assert.match(describePresence(p), reason);
    });
  }

  it('refuses an oversized header without reading it', async () => {
    header(new Uint8Array(MAX_HEADER_BYTES + 1).fill(0x20));
    const p = await inspect();
    assert.equal(p.state, 'unreadable');
    assert.match(describePresence(p), /more than a vault header can be/);
  });

  it('reports a folder in place of the header', async () => {
    mkdirSync(join(root, '.campaign-vault/vault.json'), { recursive: true });
    assert.match(describePresence(await inspect()), /is a folder/);
  });
});
