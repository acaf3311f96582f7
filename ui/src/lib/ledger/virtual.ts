// The window of a long list that is worth drawing: only the rows in view plus a margin. The
// history table keeps its DOM to a few dozen rows whatever the list's length (a million
// entries included), and the rows above and below are stand-in space of the right height.

export interface RowWindow {
  /** First row to draw. */
  start: number;
  /** One past the last row to draw. */
  end: number;
  /** Space above the first drawn row, in pixels. */
  before: number;
  /** Space below the last drawn row, in pixels. */
  after: number;
}

/**
 * The rows to draw for a viewport scrolled to `scrollTop` showing `viewport` pixels of a list
 * of `count` rows, each `rowHeight` pixels tall, with `overscan` extra rows on each side.
 */
export function rowWindow(
  scrollTop: number,
  viewport: number,
  rowHeight: number,
  count: number,
  overscan = 8,
): RowWindow {
  if (count <= 0 || rowHeight <= 0) return { start: 0, end: 0, before: 0, after: 0 };
  const top = Math.max(0, scrollTop);
  const first = Math.min(count - 1, Math.floor(top / rowHeight));
  const visible = Math.ceil(Math.max(0, viewport) / rowHeight) + 1;
  const start = Math.max(0, first - overscan);
  const end = Math.min(count, first + visible + overscan);
  return { start, end, before: start * rowHeight, after: (count - end) * rowHeight };
}

/** Whether the viewport is within `margin` rows of the end: time to fetch the next page. */
export function nearEnd(
  scrollTop: number,
  viewport: number,
  rowHeight: number,
  count: number,
  margin = 50,
): boolean {
  return scrollTop + viewport >= (count - margin) * rowHeight;
}
