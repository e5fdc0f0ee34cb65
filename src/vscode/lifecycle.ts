// Two lifetimes (docs/ARCHITECTURE.md): things that live as long as the extension go to
// `context.subscriptions`; things that live as long as an unlocked vault go to that vault's
// DisposableStore (VaultRegistry.whileUnlocked). Both are built from the two classes here
// (the shape of VS Code's own markdown extension, src/util/dispose.ts).
import type * as vscode from 'vscode';

/** A bag of disposables, disposed once, in reverse order of adding. Adding to a disposed bag disposes at once. */
export class DisposableStore implements vscode.Disposable {
  private readonly items: vscode.Disposable[] = [];
  private disposed = false;

  get isDisposed(): boolean {
    return this.disposed;
  }

  add<T extends vscode.Disposable>(d: T): T {
    if (this.disposed) d.dispose();
    else this.items.push(d);
    return d;
  }

  /** Disposes everything (every item, even when one throws; the first error is rethrown after). */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    disposeAll(this.items.splice(0).reverse());
  }
}

/** The base of everything that owns disposables: `_register` them, and `dispose()` releases each once. */
export abstract class Disposable implements vscode.Disposable {
  private readonly store = new DisposableStore();

  protected get isDisposed(): boolean {
    return this.store.isDisposed;
  }

  protected _register<T extends vscode.Disposable>(d: T): T {
    return this.store.add(d);
  }

  dispose(): void {
    this.store.dispose();
  }
}

/** A disposable that runs `fn` once. */
export function toDisposable(fn: () => void): vscode.Disposable {
  let done = false;
  return {
    dispose: () => {
      if (done) return;
      done = true;
      fn();
    },
  };
}

function disposeAll(items: readonly vscode.Disposable[]): void {
  let first: unknown;
  for (const d of items) {
    try {
      d.dispose();
    } catch (e) {
      first ??= e;
    }
  }
  if (first !== undefined) throw first;
}
