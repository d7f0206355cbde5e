// The keys held down in the page, for the keyboard controller (controllers.ts).
/** Tracks the keys held down (KeyboardEvent.code) while the page has focus. */
export class HeldKeys {
  readonly pressed = new Set<string>();

  /** Listens on `target`; keys in `captured()` do not scroll the page, and typing in form fields is not play. */
  listen(target: Window, captured: () => ReadonlySet<string>): void {
    const inField = (e: KeyboardEvent) =>
      e.target instanceof HTMLInputElement || e.target instanceof HTMLSelectElement || e.target instanceof HTMLTextAreaElement;
    target.addEventListener('keydown', (e) => {
      if (inField(e)) return;
      if (captured().has(e.code)) e.preventDefault();
      this.pressed.add(e.code);
    });
    target.addEventListener('keyup', (e) => this.pressed.delete(e.code));
    // Keys released while the window had no focus never send keyup.
    target.addEventListener('blur', () => this.pressed.clear());
  }
}
