import * as vscode from 'vscode';

/** Text made safe inside a webview's HTML (element content and quoted attributes). */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** What a webview page of ours holds besides the shared frame. */
export interface WebviewPage {
  /** Its script `dist/webview/<name>.js` and style `media/<name>.css`. */
  readonly name: string;
  readonly nonce: string;
  /** CSP directives beyond `default-src 'none'`, `style-src` (our own files) and `script-src` (the nonce). */
  readonly csp: readonly string[];
  /** The page's title, as text (escaped here). */
  readonly title: string;
  /** The body's HTML before the script: every piece of text in it already escaped. */
  readonly body: string;
}

/** CSP directives of a page that runs pdf.js: its worker from a blob: URL of its script, fetched from our own files. */
export const pdfJsCsp = (webview: vscode.Webview): string[] => ['worker-src blob:', `connect-src ${webview.cspSource}`, `font-src ${webview.cspSource} data: blob:`];

/** A webview page: a strict CSP (nothing remote, scripts by nonce), our style and script, no data in it. */
export function webviewPage(webview: vscode.Webview, extensionUri: vscode.Uri, page: WebviewPage): string {
  const script = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview', `${page.name}.js`));
  const style = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', `${page.name}.css`));
  const csp = ["default-src 'none'", `style-src ${webview.cspSource}`, `script-src 'nonce-${page.nonce}'`, ...page.csp].join('; ');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${style.toString()}">
<title>${escapeHtml(page.title)}</title>
</head>
<body>
${page.body}
<script nonce="${page.nonce}" src="${script.toString()}"></script>
</body>
</html>`;
}
