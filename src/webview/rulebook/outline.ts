// The rulebook viewer's outline sidebar: the book's chapters and sections as buttons (a click or
// Enter opens the page; the arrows, Home and End move through them), the chapter of the page shown
// marked, and the button that shows and hides it.
import type { ViewerOutlineEntry } from '../../core/rulebooks/viewerProtocol';

export interface OutlineSidebar {
  /** Lists a book's outline; `labels` are its printed page labels (for the buttons' titles). */
  set(entries: readonly ViewerOutlineEntry[], labels: readonly string[] | null, noneText: string): void;
  /** Marks the chapter page `current` is in. */
  mark(current: number): void;
}

export function createOutline(pane: HTMLElement, toggle: HTMLButtonElement, open: (page: number) => void): OutlineSidebar {
  let outline: readonly ViewerOutlineEntry[] = [];
  let buttons: HTMLButtonElement[] = [];
  /** The outline entry last chosen in the sidebar (marked while its page is shown). */
  let chosen = -1;

  toggle.addEventListener('click', () => {
    pane.hidden = !pane.hidden;
    toggle.setAttribute('aria-expanded', String(!pane.hidden));
    if (!pane.hidden) (pane.querySelector<HTMLElement>('[aria-current]') ?? pane.querySelector<HTMLElement>('button'))?.focus();
  });
  pane.addEventListener('keydown', (e) => {
    const at = buttons.indexOf(document.activeElement as HTMLButtonElement);
    if (at < 0) return;
    const to = e.key === 'ArrowDown' ? at + 1 : e.key === 'ArrowUp' ? at - 1 : e.key === 'Home' ? 0 : e.key === 'End' ? buttons.length - 1 : -1;
    if (to < 0 || to >= buttons.length) return;
    buttons[to]!.focus();
    e.preventDefault();
    e.stopPropagation();
  });

  return {
    set(entries, labels, noneText) {
      outline = entries;
      const list = document.createElement('ul');
      buttons = entries.map((o, i) => {
        const li = document.createElement('li');
        const b = document.createElement('button');
        b.type = 'button';
        b.className = 'chapter';
        b.textContent = o.title;
        b.title = `${o.title} (${labels?.[o.page - 1] || o.page})`;
        b.style.setProperty('--level', String(o.level));
        b.addEventListener('click', () => {
          chosen = i;
          open(o.page);
        });
        li.append(b);
        list.append(li);
        return b;
      });
      if (entries.length === 0) {
        const none = document.createElement('p');
        none.className = 'none';
        none.textContent = noneText;
        pane.replaceChildren(none);
      } else pane.replaceChildren(list);
    },

    /**
     * The entry chosen in the sidebar when it is on this page, else the first entry that starts on
     * this page (what its top shows), else the last one before it.
     */
    mark(current) {
      let best = chosen >= 0 && outline[chosen]?.page === current ? chosen : -1;
      if (best < 0) best = outline.findIndex((o) => o.page === current);
      if (best < 0) for (let i = 0; i < outline.length; i++) if (outline[i]!.page < current && (best < 0 || outline[i]!.page >= outline[best]!.page)) best = i;
      buttons.forEach((b, i) => {
        if (i === best) {
          if (b.getAttribute('aria-current') !== 'location') {
            b.setAttribute('aria-current', 'location');
            if (!pane.hidden) b.scrollIntoView({ block: 'nearest' });
          }
        } else b.removeAttribute('aria-current');
      });
    },
  };
}
