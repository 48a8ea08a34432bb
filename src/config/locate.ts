/** Finds where a field path sits in the YAML source, for file:line:col in problems. */
import { type Document, isMap, isPair, isScalar, isSeq, type LineCounter, type Node } from "yaml";

export interface Position {
  line: number;
  col: number;
}

/** Maps field paths to positions in one parsed YAML document. */
export class Locator {
  constructor(
    private readonly doc: Document,
    private readonly lines: LineCounter,
    /** Rewrites a path of the normalised config to the path in the file (2.x layouts). */
    private readonly rewrite: (path: readonly PropertyKey[]) => readonly PropertyKey[] = (p) => p,
  ) {}

  /**
   * The position of the value at `path` (or of its key with `key: true`); when the path does
   * not exist in the file, the position of its deepest existing ancestor.
   */
  find(path: readonly PropertyKey[], options: { key?: boolean } = {}): Position | undefined {
    let node: unknown = this.doc.contents;
    let keyNode: unknown;
    let last: unknown = node;
    for (const segment of this.rewrite(path)) {
      keyNode = undefined;
      if (isMap(node)) {
        const pair = node.items.find((item) =>
          isPair(item) && isScalar(item.key) && String(item.key.value) === String(segment)
        );
        if (!pair) break;
        keyNode = pair.key;
        node = pair.value;
      } else if (isSeq(node) && typeof segment === "number") {
        node = node.items[segment];
      } else {
        break;
      }
      if (node === null || node === undefined) {
        node = undefined;
        break;
      }
      last = node;
    }
    const target = options.key && keyNode ? keyNode : (node ?? keyNode ?? last);
    return this.positionOf(target);
  }

  private positionOf(node: unknown): Position | undefined {
    const range = (node as Node | undefined)?.range;
    if (!range) return undefined;
    const pos = this.lines.linePos(range[0]);
    return { line: pos.line, col: pos.col };
  }

  /** The position of a character offset. */
  at(offset: number): Position {
    const pos = this.lines.linePos(offset);
    return { line: pos.line, col: pos.col };
  }
}
