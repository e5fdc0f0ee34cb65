import * as vscode from 'vscode';
import { asMessage, blocks, type InputRequest, type InputResult, type Prompter, type Validation } from '../prompter';

export const MIN_PASSWORD_LENGTH = 8;

export interface Strength {
  /** 0 very weak … 4 strong. */
  readonly score: 0 | 1 | 2 | 3 | 4;
  readonly label: string;
  /** A rough estimate of the guessing work in bits. */
  readonly bits: number;
}

/** Fragments that guessers try first; each counts as one character. */
const COMMON = ['password', 'passwort', 'qwerty', 'azerty', 'qwertz', '123456', 'abc123', 'letmein', 'iloveyou', 'welcome', 'admin', 'master', 'dragon', 'dungeon', 'monkey', 'secret'];

/**
 * A rough strength estimate from length and variety, with no dictionary beyond a few common
 * fragments: the size of the character classes used, raised to the number of characters that are
 * not predictable (repeats and runs like "aaa", "abc", "321" count less, common fragments as one).
 */
export function passwordStrength(password: string): Strength {
  const chars = [...password];
  let pool = 0;
  if (/[a-z]/.test(password)) pool += 26;
  if (/[A-Z]/.test(password)) pool += 26;
  if (/[0-9]/.test(password)) pool += 10;
  if (/[ -/:-@[-`{-~]/.test(password)) pool += 33;
  if (/[^\x20-\x7e]/.test(password)) pool += 100;
  let effective = chars.length;
  const codes = chars.map((c) => c.codePointAt(0)!);
  for (let i = 2; i < codes.length; i++) {
    const step = codes[i]! - codes[i - 1]!;
    if (Math.abs(step) <= 1 && step === codes[i - 1]! - codes[i - 2]!) effective -= 1;
  }
  const lower = password.toLowerCase();
  for (const c of COMMON) if (lower.includes(c)) effective -= c.length - 1;
  effective = Math.max(0, Math.min(effective, new Set(chars).size * 2));
  const bits = Math.round(effective * Math.log2(Math.max(pool, 1)));
  const score = bits < 30 ? 0 : bits < 45 ? 1 : bits < 60 ? 2 : bits < 80 ? 3 : 4;
  return { score, label: [vscode.l10n.t('very weak'), vscode.l10n.t('weak'), vscode.l10n.t('fair'), vscode.l10n.t('good'), vscode.l10n.t('strong')][score]!, bits };
}

/** The validation message of a new password: blocks short ones, rates the rest as they type. */
export function newPasswordValidation(value: string, final: boolean): Validation {
  if (value.length === 0) return final ? { message: vscode.l10n.t('Enter a password.'), severity: vscode.InputBoxValidationSeverity.Error } : undefined;
  if ([...value].length < MIN_PASSWORD_LENGTH) {
    return { message: vscode.l10n.t('Use at least {0} characters ({1} so far).', MIN_PASSWORD_LENGTH, [...value].length), severity: vscode.InputBoxValidationSeverity.Error };
  }
  const s = passwordStrength(value);
  const bar = '▰'.repeat(s.score + 1) + '▱'.repeat(4 - s.score);
  const message =
    s.score <= 1
      ? vscode.l10n.t('Strength {0} {1} — easy to guess: make it longer, or use a few unrelated words.', bar, s.label)
      : s.score === 2
        ? vscode.l10n.t('Strength {0} {1} — longer is stronger: add a word or a few characters.', bar, s.label)
        : vscode.l10n.t('Strength {0} {1}.', bar, s.label);
  return {
    message,
    severity: s.score <= 1 ? vscode.InputBoxValidationSeverity.Warning : vscode.InputBoxValidationSeverity.Info,
  };
}

const error = (message: string): vscode.InputBoxValidationMessage => ({ message, severity: vscode.InputBoxValidationSeverity.Error });

/**
 * Asks through the prompter and applies the request's validation to what comes back too (a
 * prompter need not validate as the user types): a blocked answer is asked again, with the reason.
 */
export async function ask(ui: Prompter, request: InputRequest): Promise<InputResult> {
  let req = request;
  for (;;) {
    const answer = await ui.input(req);
    if (typeof answer !== 'string') return answer;
    const verdict = req.validate?.(answer, true);
    if (!blocks(verdict)) return answer;
    req = { ...request, initialMessage: asMessage(verdict)! };
  }
}

/** {@link ask} for a text answer only (buttons count as dismissing). */
export async function askText(ui: Prompter, request: InputRequest): Promise<string | undefined> {
  const answer = await ask(ui, request);
  return typeof answer === 'string' ? answer : undefined;
}

/** An existing password: anything but empty. */
export function requiredPassword(value: string, final: boolean): Validation {
  return final && value.length === 0 ? error(vscode.l10n.t('Enter the password.')) : undefined;
}

/** A new password, typed twice, with the strength shown as they type. Undefined when dismissed. */
export async function askNewPassword(ui: Prompter, title: string, prompt = vscode.l10n.t('Choose a password for the vault')): Promise<string | undefined> {
  let mismatch: vscode.InputBoxValidationMessage | undefined;
  for (;;) {
    const password = await askText(ui, {
      id: 'new-password',
      title,
      prompt: vscode.l10n.t('{0} (at least {1} characters; a few unrelated words make a strong one)', prompt, MIN_PASSWORD_LENGTH),
      password: true,
      validate: newPasswordValidation,
      ...(mismatch ? { initialMessage: mismatch } : {}),
    });
    if (password === undefined) return undefined;
    const again = await askText(ui, {
      id: 'new-password-confirm',
      title,
      prompt: vscode.l10n.t('Type the same password again'),
      password: true,
      validate: (value, final) => (value === password || (!final && password.startsWith(value)) ? undefined : error(vscode.l10n.t('The passwords do not match.'))),
    });
    if (again === undefined) return undefined;
    if (again === password) return password;
    mismatch = error(vscode.l10n.t('The passwords did not match. Choose the password again.'));
  }
}
