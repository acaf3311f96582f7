// Calendar arithmetic for the history chart's periods (dates only, never money): the last day
// of the day, ISO week or month a bar starts on, for filtering the table to it.

export type Period = 'day' | 'week' | 'month';

/** The last day (ISO `YYYY-MM-DD`) of the period that starts on `start`. */
export function periodEnd(start: string, period: Period): string {
  const [y, m, d] = start.split('-').map(Number) as [number, number, number];
  const end =
    period === 'day'
      ? new Date(Date.UTC(y, m - 1, d))
      : period === 'week'
        ? new Date(Date.UTC(y, m - 1, d + 6))
        : new Date(Date.UTC(y, m, 0)); // day 0 of the next month: this month's last day
  return end.toISOString().slice(0, 10);
}
