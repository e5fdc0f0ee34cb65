import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import type { KdfParams } from '../../src/core/crypto/kdf';
import { nodeDataManager } from '../../src/node/dataManager';
import { type Workbench, openWorkbench, runFromPalette } from './workbench';

const PASSWORD = 'copper dragon hoard 42';
/**
 * Real Argon2id, heavier than the default (still within the limits a vault accepts), so that a
 * check lasts long enough to be seen and typed into: VS Code shows a quick input's progress bar
 * only after it has been busy for a while.
 */
const SLOW_KDF: KdfParams = { algorithm: 'argon2id', memoryKiB: 128 * 1024, iterations: 10, parallelism: 4 };

/** What the quick input showed, each time it changed. */
interface Shown {
  readonly visible: boolean;
  readonly busy: boolean;
  readonly message: string;
  readonly value: string;
}

/**
 * Records, in the page, every change of the quick input widget (shown or not, its progress bar
 * running, its message, its text): from the DOM's own mutations and input events, so nothing in
 * between is missed however fast it goes.
 */
async function watchQuickInput(page: Page): Promise<void> {
  await page.evaluate(() => {
    const log: Shown[] = [];
    const snap = (): Shown => {
      const widget = document.querySelector<HTMLElement>('.quick-input-widget');
      const visible = !!widget && widget.isConnected && getComputedStyle(widget).display !== 'none';
      return {
        visible,
        busy: !!widget?.querySelector('.quick-input-progress.active'),
        message: (widget?.querySelector<HTMLElement>('.quick-input-message')?.textContent ?? '').trim(),
        value: widget?.querySelector<HTMLInputElement>('.quick-input-box input')?.value ?? '',
      };
    };
    const record = () => {
      const now = snap();
      const last = log.at(-1);
      if (!last || JSON.stringify(last) !== JSON.stringify(now)) log.push(now);
    };
    record();
    new MutationObserver(record).observe(document.body, { subtree: true, childList: true, attributes: true, characterData: true });
    document.addEventListener('input', record, true);
    (window as unknown as { quickInputLog: Shown[] }).quickInputLog = log;
  });
}

const shownSoFar = (page: Page): Promise<Shown[]> => page.evaluate(() => (window as unknown as { quickInputLog: Shown[] }).quickInputLog.slice());

/** Waits until the quick input, since record `from`, was busy and then shows a refusal, not busy. */
async function waitForRefusal(page: Page, from: number): Promise<void> {
  await page.waitForFunction(
    (start) => {
      const log = (window as unknown as { quickInputLog: Shown[] }).quickInputLog.slice(start);
      const busy = log.findIndex((s) => s.busy);
      return busy >= 0 && log.slice(busy).some((s) => !s.busy && /Wrong password/.test(s.message));
    },
    from,
    { timeout: 30_000 },
  );
}

describe(`Campaign Vault: the password box while a password is checked (${process.env.CV_VSCODE ?? 'newest'})`, function () {
  this.timeout(180_000);
  let wb: Workbench;

  before(async () => {
    // A locked encrypted vault with the real KDF, made before the workbench opens the folder.
    wb = await openWorkbench({
      prepare: async (workspace, run) => {
        const dm = nodeDataManager(workspace, { app: 'e2e test', stateDir: join(run.runDir, 'prepare-state'), kdf: SLOW_KDF });
        await dm.createVault(PASSWORD);
        await dm.lock();
      },
    });
  });
  afterEach(async function () {
    if (this.currentTest?.state === 'failed') await wb?.reportFailure(this.currentTest.title);
  });
  after(async () => {
    await wb?.close();
  });

  it('keeps the box open and busy while checking, shows "Wrong password" in it, keeps what was typed meanwhile, then unlocks', async () => {
    const { page } = wb;
    await page.locator('.statusbar-item', { hasText: 'Vault locked' }).first().waitFor({ state: 'visible' });
    await runFromPalette(page, 'Campaign Vault: Unlock');
    const input = page.locator('.quick-input-widget .quick-input-box input');
    await page.locator('.quick-input-widget .quick-input-message', { hasText: 'The password of' }).waitFor({ state: 'visible' });
    await watchQuickInput(page);

    // A wrong password, Enter, and typing straight on while it is checked.
    await input.pressSequentially('not the password');
    await page.keyboard.press('Enter');
    await page.keyboard.type('XYZ');
    await page.locator('.quick-input-widget .quick-input-message', { hasText: 'Checking the password' }).waitFor({ state: 'visible' });
    await page.locator('.quick-input-widget .quick-input-progress.active').waitFor({ state: 'visible' });
    await page.keyboard.type('abc');
    await waitForRefusal(page, 0);
    await wb.screenshot('password-box-wrong');

    let log = await shownSoFar(page);
    assert.deepEqual(
      log.filter((s) => !s.visible),
      [],
      `the box closed while the password was checked: ${JSON.stringify(log)}`,
    );
    const firstBusy = log.findIndex((s) => s.busy);
    const refused = log.findIndex((s) => /Wrong password/.test(s.message));
    assert.ok(firstBusy >= 0 && firstBusy < refused, `busy, then refused: ${JSON.stringify(log)}`);
    assert.ok(
      log.some((s) => s.busy && s.value === 'not the passwordXYZabc'),
      `what was typed during the check reached the box while it was busy: ${JSON.stringify(log)}`,
    );
    assert.equal(await input.inputValue(), 'not the passwordXYZabc', 'what was typed during the check is in the box');
    assert.match(log.at(-1)!.message, /Wrong password.*Try again/, `the refusal is still shown: ${JSON.stringify(log.slice(refused))}`);

    // Another wrong one, with Enter pressed again during the check (ignored): refused once, its
    // text selected, so typing the right password replaces it.
    await page.keyboard.press('Control+A');
    await page.keyboard.type('still wrong');
    const second = (await shownSoFar(page)).length;
    await page.keyboard.press('Enter');
    await page.locator('.quick-input-widget .quick-input-message', { hasText: 'Checking the password' }).waitFor({ state: 'visible' });
    await page.keyboard.press('Enter');
    await waitForRefusal(page, second);
    await page.keyboard.type(PASSWORD);
    await page.keyboard.press('Enter');
    await page.locator('.statusbar-item', { hasText: 'Vault unlocked' }).first().waitFor({ state: 'visible', timeout: 30_000 });

    log = await shownSoFar(page);
    const hidden = log.findIndex((s) => !s.visible);
    assert.ok(hidden > 0, 'the box closes once the vault is unlocked');
    // "Checking" with the password alone in the box (VS Code draws its progress bar only after
    // 800 ms of busy, and a quick check may end before that: the message is ours and is always shown).
    assert.ok(
      log.slice(second, hidden).some((s) => /^Checking/.test(s.message) && s.value === PASSWORD),
      `the right password was checked on its own (the refused one was replaced): ${JSON.stringify(log.slice(second))}`,
    );
    const checks = log.slice(second, hidden).filter((s, i, all) => /^Checking/.test(s.message) && !/^Checking/.test(all[i - 1]?.message ?? ''));
    assert.equal(checks.length, 2, `checked "still wrong" once (the Enter during its check did nothing), then the password: ${JSON.stringify(log.slice(second))}`);
    await wb.screenshot('password-box-unlocked');
  });

  it('Escape during the check of the right password closes the box, and the vault is unlocked all the same', async () => {
    const { page } = wb;
    await page.keyboard.press('Escape'); // the "remember the key?" toast of the test before
    await runFromPalette(page, 'Campaign Vault: Lock');
    await page.locator('.statusbar-item', { hasText: 'Vault locked' }).first().waitFor({ state: 'visible' });
    await runFromPalette(page, 'Campaign Vault: Unlock');
    await page.locator('.quick-input-widget .quick-input-message', { hasText: 'The password of' }).waitFor({ state: 'visible' });
    await page.locator('.quick-input-widget .quick-input-box input').pressSequentially(PASSWORD);
    await page.keyboard.press('Enter');
    await page.locator('.quick-input-widget .quick-input-message', { hasText: 'Checking the password' }).waitFor({ state: 'visible' });
    await page.keyboard.press('Escape');
    await page.locator('.quick-input-widget').waitFor({ state: 'hidden' });
    await page.locator('.statusbar-item', { hasText: 'Vault unlocked' }).first().waitFor({ state: 'visible', timeout: 30_000 });
  });
});
