import { simpleParser } from 'mailparser';
import { composeEml } from '../../../sandbox/services/sesv2';

describe('sandbox outbox: the .eml of an approval email', () => {
  const link = 'http://127.0.0.1:8787/review/req-try-0001?c=Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZmdoaWprbG1ub3A=';
  const mail = {
    from: 'jit@example.com',
    to: ['approver@example.com'],
    subject: 'Approve Ops in prod?',
    text: `Review the request:\n${link}\n\nThe link works once.`,
    html: `<p><a href="${link}">Review</a> ${'x'.repeat(200)}</p>`,
    date: new Date('2026-11-28T10:00:00Z'),
    messageId: '<m1@sandbox.jit.local>',
  };

  it('keeps the review link whole in the text part, not folded by quoted-printable', async () => {
    const eml = (await composeEml(mail)).toString('utf8');
    expect(eml).toContain(`\r\n${link}\r\n`);
    expect(eml).toMatch(/Content-Type: text\/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit/);
    expect(eml).toContain('Content-Type: text/html');
  });

  it('reads back as the same text in a mail parser, non-ASCII included', async () => {
    const text = `Review:\n${link}\n\nÜnïcode ok`;
    const parsed = await simpleParser(await composeEml({ ...mail, text }));
    expect(parsed.text?.trimEnd()).toBe(text);
  });

  it('falls back to quoted-printable when a line is too long for 8bit', async () => {
    const eml = (await composeEml({ ...mail, text: 'y'.repeat(1200) })).toString('utf8');
    expect(eml).not.toContain('Content-Transfer-Encoding: 8bit');
  });
});
