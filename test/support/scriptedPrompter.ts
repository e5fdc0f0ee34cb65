import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { asMessage, blocks, type InputRequest, type InputResult, type MessageRequest, type PickRequest, type ProgressRequest, type Prompter } from '../../src/vscode/prompter';

export type Step =
  | { readonly input: string; readonly answer: InputResult }
  | { readonly pick: string; readonly label: string | undefined };

/**
 * Answers the vault commands' questions from a script, in order, each checked against the id of
 * the request; records everything asked and shown. Messages are answered from `answers` by id.
 *
 * It keeps the contract of the real input box: a request with a check (`accept`) has the scripted
 * answer validated and checked; a refusal keeps "the box" open — recorded as the next input, the
 * same request with the refusal as its `initialMessage` — and the next step answers it. What the
 * check throws rejects, as the real box does. A modal message with a `closeAction` is answered
 * with it when the test gives no answer (Escape chooses it), and an answer the dialog does not
 * offer counts as unexpected.
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
    for (let box = request; ; ) {
      this.inputs.push(box);
      const step = this.script.shift();
      if (!step || !('input' in step) || step.input !== box.id) {
        this.unexpected.push(`input "${box.id}" (script: ${JSON.stringify(step)})`);
        return undefined;
      }
      if (typeof step.answer !== 'string' || !box.accept) return step.answer;
      const invalid = box.validate?.(step.answer, true);
      const verdict = blocks(invalid) ? invalid : await box.accept(step.answer);
      if (!blocks(verdict)) return step.answer;
      box = { ...request, initialMessage: asMessage(verdict)! };
    }
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
    const answer = this.answers[request.id];
    const offered = [...(request.actions ?? []), ...(request.closeAction !== undefined ? [request.closeAction] : [])];
    if (answer !== undefined && !offered.includes(answer)) this.unexpected.push(`message "${request.id}" answered "${answer}", which it does not offer (${JSON.stringify(offered)})`);
    return answer ?? (request.modal ? request.closeAction : undefined);
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
