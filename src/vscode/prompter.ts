import * as vscode from 'vscode';

/**
 * Everything the vault commands ask or tell the user goes through a {@link Prompter}. The default,
 * {@link windowPrompter}, uses VS Code's input boxes, quick picks, messages and clipboard.
 *
 * Test hook: VS Code cannot type into an InputBox from a test, so the integration tests replace
 * the prompter through `api._testing.setPrompter(…)` (only present when the extension runs in
 * development or test mode) and answer each request by its `id`.
 */
export interface Prompter {
  /** An input box. Resolves with the accepted text, the id of a pressed button, or undefined when dismissed. */
  input(request: InputRequest): Promise<InputResult>;
  /** A quick pick of one item; undefined when dismissed. */
  pick<T extends vscode.QuickPickItem>(request: PickRequest<T>): Promise<T | undefined>;
  /** A message (modal or a notification); resolves with the chosen action, undefined when dismissed. */
  message(request: MessageRequest): Promise<string | undefined>;
  /** Puts text on the clipboard. */
  copy(text: string): Promise<void>;
  /** Runs a long task with a progress notification (cancellable when asked). */
  progress<T>(request: ProgressRequest, task: (progress: ProgressReporter, token: vscode.CancellationToken) => Promise<T>): Promise<T>;
}

export interface ProgressRequest {
  readonly id: string;
  readonly title: string;
  readonly cancellable?: boolean;
}

/** Reports a step and how far along the whole task is (0…1). */
export type ProgressReporter = (step: string, fraction: number) => void;

export type InputResult = string | { readonly button: string } | undefined;

/** What a validation function returns: nothing, or a message; an `Error` severity blocks accepting. */
export type Validation = string | vscode.InputBoxValidationMessage | undefined;

export interface InputRequest {
  /** Stable id tests answer by: `password`, `password-confirm`, `current-password`, `recovery-key` … */
  readonly id: string;
  readonly title?: string;
  readonly prompt: string;
  readonly placeHolder?: string;
  /** Hide what is typed. */
  readonly password?: boolean;
  /**
   * Checked as the user types (`final` false) and when they press Enter (`final` true); a message
   * with `Error` severity (or a plain string) blocks accepting.
   */
  readonly validate?: (value: string, final: boolean) => Validation;
  /** Shown when the box opens, e.g. "Wrong password" before a retry. */
  readonly initialMessage?: vscode.InputBoxValidationMessage;
  /** Buttons in the box's title bar; pressing one resolves with `{ button: id }`. */
  readonly buttons?: readonly { readonly id: string; readonly icon: vscode.ThemeIcon; readonly tooltip: string }[];
}

export interface PickRequest<T extends vscode.QuickPickItem> {
  /** Stable id tests answer by: `folder`, `create-kind`, `migrations` … */
  readonly id: string;
  readonly title?: string;
  readonly placeHolder?: string;
  readonly items: readonly T[];
}

export interface MessageRequest {
  /** Stable id tests recognise it by: `recovery-key`, `remember`, `error` … */
  readonly id: string;
  readonly severity: 'info' | 'warning' | 'error';
  readonly text: string;
  /** Modal dialogs block until answered; their `detail` is shown below the text. */
  readonly modal?: boolean;
  readonly detail?: string;
  readonly actions?: readonly string[];
}

/** Whether a validation result keeps the user from accepting the input. */
export function blocks(v: Validation): boolean {
  if (v === undefined) return false;
  return typeof v === 'string' ? v.length > 0 : v.severity === vscode.InputBoxValidationSeverity.Error;
}

/** The real one: VS Code's own input box, quick pick, messages and clipboard. */
export const windowPrompter: Prompter = {
  input(request) {
    return new Promise<InputResult>((resolve) => {
      const box = vscode.window.createInputBox();
      box.title = request.title;
      box.prompt = request.prompt;
      box.placeholder = request.placeHolder;
      box.password = request.password ?? false;
      // Switching to a password manager must not throw away what was typed.
      box.ignoreFocusOut = true;
      box.buttons = (request.buttons ?? []).map((b) => ({ iconPath: b.icon, tooltip: b.tooltip }));
      box.validationMessage = request.initialMessage;
      let result: InputResult;
      const subscriptions = [
        box.onDidChangeValue((value) => {
          box.validationMessage = value === '' && request.initialMessage ? request.initialMessage : request.validate?.(value, false);
        }),
        box.onDidAccept(() => {
          const verdict = request.validate?.(box.value, true);
          if (blocks(verdict)) {
            box.validationMessage = verdict;
            return;
          }
          result = box.value;
          box.hide();
        }),
        box.onDidTriggerButton((button) => {
          const index = box.buttons.indexOf(button);
          const id = request.buttons?.[index]?.id;
          if (id === undefined) return;
          result = { button: id };
          box.hide();
        }),
        box.onDidHide(() => {
          for (const s of subscriptions) s.dispose();
          box.dispose();
          resolve(result);
        }),
      ];
      box.show();
    });
  },

  async pick(request) {
    return vscode.window.showQuickPick([...request.items], {
      title: request.title,
      placeHolder: request.placeHolder,
      matchOnDescription: true,
      matchOnDetail: true,
      ignoreFocusOut: true,
    });
  },

  async message(request) {
    const show =
      request.severity === 'error'
        ? vscode.window.showErrorMessage
        : request.severity === 'warning'
          ? vscode.window.showWarningMessage
          : vscode.window.showInformationMessage;
    const options: vscode.MessageOptions = { modal: request.modal ?? false, ...(request.detail !== undefined ? { detail: request.detail } : {}) };
    return show(request.text, options, ...(request.actions ?? []));
  },

  async copy(text) {
    await vscode.env.clipboard.writeText(text);
  },

  async progress(request, task) {
    return vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: request.title, cancellable: request.cancellable ?? false },
      (progress, token) => {
        let done = 0;
        const report: ProgressReporter = (step, fraction) => {
          const next = Math.min(1, Math.max(done, fraction));
          progress.report({ message: step, increment: (next - done) * 100 });
          done = next;
        };
        return task(report, token);
      },
    );
  },
};
