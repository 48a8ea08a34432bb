/**
 * The browser APIs the dashboard uses beyond those Deno's own types declare (fetch, storage,
 * events, URL, Blob...), typed here as local interfaces rather than with TypeScript's `dom`
 * library: `deno check` checks the repository as one program, and that library would change
 * global types under the server's code too. Only what the pages use is declared.
 */

export interface Rect {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** An element, as far as the pages touch one. */
export interface DomElement {
  getAttribute(name: string): string | null;
  getBoundingClientRect(): Rect;
  append(...nodes: DomElement[]): void;
  remove(): void;
  click(): void;
  readonly dataset: Record<string, string | undefined>;
}

/** An anchor made to download a file. */
export interface DownloadLink extends DomElement {
  href: string;
  download: string;
}

export interface DomDocument {
  readonly visibilityState: string;
  readonly documentElement: DomElement;
  readonly body: DomElement;
  querySelector(selector: string): DomElement | null;
  getElementById(id: string): DomElement | null;
  createElement(tag: "a"): DownloadLink;
}

/** An input, select or textarea. */
export interface FieldElement extends DomElement {
  value: string;
  checked: boolean;
}

export interface FormElement extends DomElement {
  reset(): void;
}

export interface ResizeEntry {
  contentRect: Rect;
}

export interface ResizeWatcher {
  observe(element: DomElement): void;
  disconnect(): void;
}

/** The browser's globals the pages use, typed. */
interface Browser {
  document: DomDocument;
  ResizeObserver: new (callback: (entries: ResizeEntry[]) => void) => ResizeWatcher;
  FormData: new (form: FormElement) => FormData;
  navigator: { clipboard?: { writeText(text: string): Promise<void> } };
}

const browser = globalThis as unknown as Browser;

export const document: DomDocument = browser.document;

/** Watches an element's size. */
export function watchSize(
  element: DomElement,
  callback: (entries: ResizeEntry[]) => void,
): ResizeWatcher {
  const watcher = new browser.ResizeObserver(callback);
  watcher.observe(element);
  return watcher;
}

/** What an event's target (an input, select or textarea) holds. */
export function valueOf(event: Event): string {
  return (event.target as unknown as FieldElement).value;
}

/** Whether an event's target (a checkbox) is checked. */
export function checkedOf(event: Event): boolean {
  return (event.target as unknown as FieldElement).checked;
}

/** A submitted form's fields. */
export function formOf(event: Event): { data: FormData; form: FormElement } {
  const form = event.target as unknown as FormElement;
  return { data: new browser.FormData(form), form };
}

/** Copies text to the clipboard, when the browser lets the page. */
export function copyText(text: string): void {
  browser.navigator.clipboard?.writeText(text).catch(() => {});
}

/** A key press, as the composer reads it. */
export interface KeyPress extends Event {
  readonly key: string;
  readonly shiftKey: boolean;
  readonly isComposing: boolean;
}

/** A pointer's position over an element. */
export interface PointerMove extends Event {
  readonly clientX: number;
}
