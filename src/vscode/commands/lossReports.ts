// Import loss reports, shown read-only: a virtual document per report (no unsaved Untitled file
// left behind to save or discard), opened in the Markdown preview.
import * as vscode from 'vscode';

export const LOSS_REPORT_SCHEME = 'campaign-vault-report';

/** How many reports are kept for reopening (each import makes one). */
const KEPT = 20;

class LossReports implements vscode.TextDocumentContentProvider {
  private readonly texts = new Map<string, string>();
  private next = 1;

  provideTextDocumentContent(uri: vscode.Uri): string {
    return this.texts.get(uri.path) ?? vscode.l10n.t('This loss report is no longer kept: run the import again to see it.');
  }

  /** Keeps `text` and returns the URI of its read-only document. */
  add(text: string): vscode.Uri {
    const path = `/import-${this.next++}.md`;
    this.texts.set(path, text);
    while (this.texts.size > KEPT) this.texts.delete(this.texts.keys().next().value!);
    return vscode.Uri.from({ scheme: LOSS_REPORT_SCHEME, path });
  }

  clear(): void {
    this.texts.clear();
  }
}

const reports = new LossReports();

/** Registers the read-only documents of loss reports (the composition root adds it to the features). */
export function registerLossReports(): vscode.Disposable {
  const registration = vscode.workspace.registerTextDocumentContentProvider(LOSS_REPORT_SCHEME, reports);
  return new vscode.Disposable(() => {
    registration.dispose();
    reports.clear();
  });
}

/** Opens a loss report read-only, rendered (the Markdown preview), beside nothing the user must save. */
export async function showLossReport(text: string): Promise<vscode.Uri> {
  const uri = reports.add(text);
  await vscode.commands.executeCommand('markdown.showPreview', uri);
  return uri;
}
