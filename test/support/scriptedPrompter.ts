import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { InputRequest, InputResult, MessageRequest, PickRequest, ProgressRequest, Prompter } from '../../src/vscode/prompter';

export type Step =
  | { readonly input: string; readonly answer: InputResult }
  | { readonly pick: string; readonly label: string | undefined };

/**
 * Answers the vault commands' questions from a script, in order, each checked against the id of
 * the request; records everything asked and shown. Messages are answered from `answers` by id.
 */
export class ScriptedPrompter implements Prompter {
  inputs: InputRequest[] = [];
  picks: PickRequest<vscode.QuickPickItem>[] = [];
  messages: MessageRequest[] = [];
  progresses: ProgressRequest[] = [];
  copied: string[] = [];
  unexpected: string[] = [];
  answers: Record<string, string | undefined> = {};
  cancel = new Set<string>();
  private script: Step[] = [];

  play(...steps: Step[]): void {
    this.script.push(...steps);
  }

  /** Forgets what was recorded (not the message answers). */
  clear(): void {
    this.inputs = [];
    this.picks = [];
    this.messages = [];
    this.progresses = [];
    this.copied = [];
  }

  /** Fails unless every scripted step was used and nothing unscripted was asked. */
  assertDone(): void {
    const left = this.script.splice(0);
    const unexpected = this.unexpected.splice(0);
    assert.deepEqual(unexpected, [], 'asked something the script did not expect');
    assert.deepEqual(left, [], 'scripted answers left over');
  }

  /** For afterEach: checks the script was used up (when the test passed) and forgets everything. */
  finishTest(state: string | undefined): void {
    if (state === 'passed') this.assertDone();
    else this.unexpected.splice(0);
    this.clear();
    this.answers = {};
    this.cancel.clear();
  }

  shown(id: string): MessageRequest[] {
    return this.messages.filter((m) => m.id === id);
  }

  async input(request: InputRequest): Promise<InputResult> {
    this.inputs.push(request);
    const step = this.script.shift();
    if (!step || !('input' in step) || step.input !== request.id) {
      this.unexpected.push(`input "${request.id}" (script: ${JSON.stringify(step)})`);
      return undefined;
    }
    return step.answer;
  }

  async pick<T extends vscode.QuickPickItem>(request: PickRequest<T>): Promise<T | undefined> {
    this.picks.push(request);
    if (request.id === 'migrations') return undefined; // informational: nothing to answer
    const step = this.script.shift();
    if (!step || !('pick' in step) || step.pick !== request.id) {
      this.unexpected.push(`pick "${request.id}" (script: ${JSON.stringify(step)})`);
      return undefined;
    }
    return step.label === undefined ? undefined : request.items.find((i) => i.label.includes(step.label!));
  }

  async message(request: MessageRequest): Promise<string | undefined> {
    this.messages.push(request);
    return this.answers[request.id];
  }

  async copy(text: string): Promise<void> {
    this.copied.push(text);
  }

  async progress<T>(request: ProgressRequest, task: (report: (step: string, fraction: number) => void, token: vscode.CancellationToken) => Promise<T>): Promise<T> {
    this.progresses.push(request);
    const source = new vscode.CancellationTokenSource();
    if (this.cancel.has(request.id)) source.cancel();
    try {
      return await task(() => undefined, source.token);
    } finally {
      source.dispose();
    }
  }
}
