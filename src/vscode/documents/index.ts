// The vault as documents: the `campaign:` file system, diagnostics, completion and hovers for
// entries, and the Character Sheet editor over the same documents.
import * as vscode from 'vscode';
import { registerSheetEditor } from '../editors/sheetEditor';
import { LockScreen } from '../lockScreen';
import type { Services } from '../services';
import { registerDiagnostics, registerSchemaAssist } from './assist';
import { EntityFileSystem, SCHEME } from './entityFs';
import { registerSaveResume } from './resumeSave';

export function registerDocuments(s: Services): vscode.Disposable {
  const files = new EntityFileSystem(s.vaults, s.log.child('files'));
  return vscode.Disposable.from(
    files,
    // Before a vault locks from the UI, its editors close (after save or discard).
    new LockScreen(s, files),
    vscode.workspace.registerFileSystemProvider(SCHEME, files, { isCaseSensitive: true }),
    registerDiagnostics(),
    // After a refused save, auto save resumes at the next valid state.
    registerSaveResume(files),
    registerSchemaAssist(),
    registerSheetEditor(s),
  );
}
