import * as vscode from 'vscode';

/** Inert Markdown for hovers and completion details: no command links, no HTML, no theme icons from user text. */
export function inert(value: string): vscode.MarkdownString {
  const md = new vscode.MarkdownString(value, false);
  md.isTrusted = false;
  md.supportHtml = false;
  return md;
}
