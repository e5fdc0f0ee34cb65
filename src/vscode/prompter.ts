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
  /**
   * An input box. Resolves with the accepted text, the id of a pressed button, or undefined when
   * dismissed. With {@link InputRequest.accept}, resolves with text only once that check let it
   * through, and rejects with what the check threw.
   */
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
  /**
   * The check of an answer that takes time (a password against the vault: seconds of key
   * derivation), run on Enter once `validate` lets the value through. Meanwhile the box stays open
   * and busy with {@link acceptingPrompt}, Enter and the buttons do nothing, and typing goes on. A
   * blocking result is shown in the box until the next check, and the box stays open with its
   * whole text selected (what was typed during the check included): nothing typed is lost, and
   * typing replaces it; Enter on the refused text unchanged checks nothing. Anything else resolves
   * `input()` with the value. Dismissed during a check, the box waits for it: its success still resolves with the
   * value (what it did is done), a blocking result resolves undefined. What the check throws closes
   * the box and rejects `input()`.
   */
  readonly accept?: (value: string) => Promise<Validation>;
  /** The box's prompt while {@link accept} runs, e.g. "Checking the password…". */
  readonly acceptingPrompt?: string;
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
  /**
   * The one choice that closes a modal dialog, shown instead of VS Code's "Cancel" (for a dialog
   * after something that cannot be cancelled any more, e.g. "I Have Stored It" for a new recovery
   * key); Escape chooses it too, so a modal with it never resolves undefined.
   */
  readonly closeAction?: string;
}

/** Whether a validation result keeps the user from accepting the input. */
export function blocks(v: Validation): boolean {
  if (v === undefined) return false;
  return typeof v === 'string' ? v.length > 0 : v.severity === vscode.InputBoxValidationSeverity.Error;
}

/** A validation result as the box's message (a plain string is an error). */
export function asMessage(v: Validation): vscode.InputBoxValidationMessage | undefined {
  return typeof v === 'string' ? (v ? { message: v, severity: vscode.InputBoxValidationSeverity.Error } : undefined) : v;
}

/** A selection of all of an input's text, however long (the input clamps the end to its length). */
const WHOLE_TEXT: readonly [number, number] = [0, 2 ** 30];

/**
 * Lets the busy state reach the box before a check runs: the extension host sends a quick input's
 * changes on a timer, and a check that computes on this thread (Argon2id does, until the engine
 * moves into a worker) would hold them back until it ends. What the user types (and an Enter)
 * during such a check reaches this thread only after it: so a refusal stays shown while they type
 * on, selects the whole text, and an Enter on the refused text unchanged checks nothing.
 */
const letTheBoxUpdate = async (): Promise<void> => {
  for (let i = 0; i < 2; i++) await new Promise((r) => setTimeout(r, 0));
};

/** The real one: VS Code's own input box, quick pick, messages and clipboard. */
export const windowPrompter: Prompter = {
  input(request) {
    return new Promise<InputResult>((resolve, reject) => {
      const box = vscode.window.createInputBox();
      box.title = request.title;
      box.prompt = request.prompt;
      box.placeholder = request.placeHolder;
      box.password = request.password ?? false;
      // Switching to a password manager must not throw away what was typed.
      box.ignoreFocusOut = true;
      box.buttons = (request.buttons ?? []).map((b) => ({ iconPath: b.icon, tooltip: b.tooltip }));
      box.validationMessage = request.initialMessage;
      /** The last check's refusal (shown until the next check, unless `validate` has something to say) and the text it refused. */
      let refusal: vscode.InputBoxValidationMessage | undefined;
      let refused: string | undefined;
      let result: InputResult;
      let failure: { readonly error: unknown } | undefined;
      let checking = false;
      let hidden = false;
      const finish = () => {
        for (const s of subscriptions) s.dispose();
        box.dispose();
        if (failure) reject(failure.error);
        else resolve(result);
      };
      const check = async (accept: (value: string) => Promise<Validation>, value: string) => {
        checking = true;
        box.busy = true;
        box.prompt = request.acceptingPrompt ?? request.prompt;
        box.validationMessage = refusal = undefined;
        let verdict: Validation;
        try {
          await letTheBoxUpdate();
          verdict = await accept(value);
        } catch (e) {
          failure = { error: e };
        }
        checking = false;
        box.busy = false;
        box.prompt = request.prompt;
        if (!failure && !blocks(verdict)) result = value;
        if (hidden) finish();
        else if (result !== undefined || failure) box.hide();
        else {
          box.validationMessage = refusal = asMessage(verdict);
          refused = value;
          // Typing replaces the refused text and what was typed during the check (which may not
          // have reached this thread yet).
          box.valueSelection = WHOLE_TEXT;
        }
      };
      const subscriptions = [
        box.onDidChangeValue((value) => {
          box.validationMessage = value === '' && request.initialMessage ? request.initialMessage : (request.validate?.(value, false) ?? refusal);
        }),
        box.onDidAccept(() => {
          if (checking || (refusal && box.value === refused)) return;
          const verdict = request.validate?.(box.value, true);
          if (blocks(verdict)) {
            box.validationMessage = verdict;
            return;
          }
          if (request.accept) {
            void check(request.accept, box.value);
            return;
          }
          result = box.value;
          box.hide();
        }),
        box.onDidTriggerButton((button) => {
          if (checking) return;
          const index = box.buttons.indexOf(button);
          const id = request.buttons?.[index]?.id;
          if (id === undefined) return;
          result = { button: id };
          box.hide();
        }),
        box.onDidHide(() => {
          hidden = true;
          // Dismissed during a check: the check ends it (what it did may be done already).
          if (!checking) finish();
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
    const items: vscode.MessageItem[] = (request.actions ?? []).map((title) => ({ title }));
    if (request.closeAction !== undefined) items.push({ title: request.closeAction, isCloseAffordance: true });
    const chosen = await show(request.text, options, ...items);
    return chosen?.title;
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
