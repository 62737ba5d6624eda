import { completenessText, MAX_COMPLETENESS_LENGTH, readEverything, regionCollection, stoppedEarlyReason } from '../../../handlers/core/audit-completeness';
import { reportLocationSchema } from '../../../handlers/core/report-location';

describe('audit completeness', () => {
  it('calls a region complete only when every key was read to its last page, and says why not with the first reason', () => {
    const read = { events: 3, pages: 1, complete: true };
    const cut = { events: 5, pages: 7, complete: false, error: stoppedEarlyReason(7) };
    const failed = { events: 0, pages: 0, complete: false, error: 'AccessDeniedException: no' };

    expect(regionCollection('eu-west-1', [read, read])).toEqual({ region: 'eu-west-1', events: 6, pages: 2, complete: true });
    expect(regionCollection('eu-west-1', [read, cut, failed])).toEqual({
      region: 'eu-west-1',
      events: 8,
      pages: 8,
      complete: false,
      error: 'stopped after 7 pages to leave time for the report',
    });
    expect(regionCollection('us-east-1', [])).toEqual({ region: 'us-east-1', events: 0, pages: 0, complete: true });
  });

  it('reads everything only when every region was read completely', () => {
    const region = (complete: boolean) => ({ region: 'r', events: 0, pages: 1, complete });
    expect(readEverything([region(true), region(true)])).toBe(true);
    expect(readEverything([region(true), region(false)])).toBe(false);
  });

  it('cuts the completeness sentence to what the report location carries', () => {
    const text = completenessText('x'.repeat(MAX_COMPLETENESS_LENGTH + 20));
    expect(text).toHaveLength(MAX_COMPLETENESS_LENGTH);
    expect(reportLocationSchema.shape.completeness.safeParse(text).success).toBe(true);
    expect(reportLocationSchema.shape.completeness.safeParse(`${text}x`).success).toBe(false);
  });
});
