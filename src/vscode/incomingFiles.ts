// Files coming into the vault from outside: chosen in a dialog, right-clicked in the Explorer,
// dropped on the Campaigns view from the Explorer (a URI) or from the desktop (bytes, and in a
// browser no path at all). Add Asset… and Add Rulebook… read every one of them through this, so a
// folder, an unreadable file or one too large for the vault is refused the same way everywhere.
import * as vscode from 'vscode';
import { VaultError } from '../core/errors';
import { MAX_PLAINTEXT } from '../core/vault/sealed';

export interface IncomingFile {
  /** The file's name (no folders): what messages say and default names are made of. */
  readonly name: string;
  /** Where it is, when VS Code can read it there (a file dropped from the desktop in a browser has none). */
  readonly uri?: vscode.Uri;
  /** Its bytes. Throws a VaultError whose sentence says why it cannot be had (`invalid`: never will; `not-found`: could not be read now). */
  read(): Promise<Uint8Array>;
}

/** The last segment of a path or URI path. */
export function baseName(path: string): string {
  return path.split(/[\\/]/).filter(Boolean).pop() ?? path;
}

function tooLarge(name: string, size: number): VaultError {
  const gib = (size / 2 ** 30).toFixed(1);
  return new VaultError('invalid', `file of ${size} bytes`, { hint: vscode.l10n.t('“{0}” is {1} GiB; files larger than 2 GiB cannot be kept in the vault.', name, gib) });
}

function unreadable(name: string, what: string, e: unknown): VaultError {
  return new VaultError('not-found', `cannot read ${what}`, { cause: e, hint: vscode.l10n.t('“{0}” could not be read: {1}', name, e instanceof Error ? e.message : String(e)) });
}

/** A file VS Code can read at `uri`: its size is looked at before any byte is read (a folder or a file over 2 GiB is refused). */
export function fileAt(uri: vscode.Uri): IncomingFile {
  const name = baseName(uri.path) || uri.toString();
  return {
    name,
    uri,
    async read() {
      let stat: vscode.FileStat;
      try {
        stat = await vscode.workspace.fs.stat(uri);
      } catch (e) {
        throw unreadable(name, uri.toString(), e);
      }
      if (stat.type & vscode.FileType.Directory) throw new VaultError('invalid', `${uri.toString()} is a folder`, { hint: vscode.l10n.t('“{0}” is a folder; add the files in it instead.', name) });
      if (stat.size > MAX_PLAINTEXT) throw tooLarge(name, stat.size);
      try {
        return await vscode.workspace.fs.readFile(uri);
      } catch (e) {
        throw unreadable(name, uri.toString(), e);
      }
    },
  };
}

/** A file given as bytes on request (a desktop file dropped on a view: VS Code's `DataTransferFile`). */
export function fileWithData(name: string, data: () => Thenable<Uint8Array>, uri?: vscode.Uri): IncomingFile {
  const shown = baseName(name) || 'file';
  return {
    name: shown,
    ...(uri ? { uri } : {}),
    async read() {
      let bytes: Uint8Array;
      try {
        bytes = await data();
      } catch (e) {
        throw unreadable(shown, shown, e);
      }
      if (bytes.length > MAX_PLAINTEXT) throw tooLarge(shown, bytes.length);
      return bytes;
    },
  };
}

/** What the commands take as files: URIs (dialogs, the Explorer, tests) or incoming files (drops). */
export function toIncoming(files: readonly (vscode.Uri | IncomingFile)[]): IncomingFile[] {
  return files.map((f) => (f instanceof vscode.Uri ? fileAt(f) : f));
}
